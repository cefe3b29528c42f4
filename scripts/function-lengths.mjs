#!/usr/bin/env node
// Lists the functions of src/ longer than N lines (default 60), longest first, and counts the files over 300 lines;
// the measure of docs/architecture.md's "Long functions left". Usage: node scripts/function-lengths.mjs [N] [repo]
import ts from 'typescript';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
const min = Number(process.argv[2] ?? 60);
const root = process.argv[3] ?? '.';
const files = [];
(function walk(d) {
  for (const f of readdirSync(d)) {
    const p = path.join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
})(path.join(root, 'src'));
const rows = [];
let big = 0;
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const n = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (n > 300) big++;
  const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
  const visit = (node, outer) => {
    const isFn =
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessor(node) ||
      ts.isSetAccessor(node);
    if (isFn && node.body) {
      const a = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line,
        b = sf.getLineAndCharacterOfPosition(node.end).line;
      const len = b - a + 1;
      let name = node.name?.getText(sf);
      if (!name && ts.isVariableDeclaration(node.parent)) name = node.parent.name.getText(sf);
      if (!name) name = `<anon@${a + 1}>`;
      if (len > min) rows.push([len, `${path.relative(root, f)}:${a + 1}`, name, outer ? `(inside ${outer})` : '']);
      ts.forEachChild(node, (c) => visit(c, name));
      return;
    }
    ts.forEachChild(node, (c) => visit(c, outer));
  };
  visit(sf, null);
}
rows.sort((x, y) => y[0] - x[0]);
for (const r of rows) console.log(r.join('\t'));
console.log(
  `# functions > ${min} lines: ${rows.length} (top-level ${rows.filter((r) => !r[3]).length}); files > 300 lines: ${big}`,
);
