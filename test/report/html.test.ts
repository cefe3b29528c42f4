import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { htmlReport, machineInfo, writeHtmlReport } from '../../src/report/html.js';
import { summarize } from '../../src/report/table.js';

const evil = '<script>alert("x")</script>';
const table = summarize(
  [
    { method: evil, M: 2, fold: 0, values: { dice: 0.5 } },
    { method: evil, M: 2, fold: 1, values: { dice: 0.7 } },
    { method: 'PCL', M: 2, fold: 0, values: { dice: 0.8 } },
    { method: 'PCL', M: 2, fold: 1, values: { dice: 0.9 } },
  ],
  { metric: 'dice' },
);
const png = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10, 1, 2, 3]);

test('htmlReport: every caller text is escaped; no script can get in', () => {
  const html = htmlReport({
    title: `Report ${evil}`,
    summary: `PCL beats ${evil} & co.`,
    table,
    tableCaption: evil,
    plots: [{ caption: evil, svg: `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>` }],
    overlays: [{ caption: 'case 1', png }],
    tsne: [{ caption: 'by patient', href: 'tsne/patient "1".png' }],
    notes: [evil],
    config: { method: evil, text: '</pre><script>x</script>' },
    machine: { ...machineInfo(), device: evil },
    generatedAt: new Date('2024-01-02T03:04:05Z'),
    durationSeconds: 125,
  });
  assert.ok(!/<script/i.test(html), 'no literal <script');
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.ok(html.includes('PCL beats &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co.'));
  assert.ok(html.includes('&lt;/pre&gt;&lt;script&gt;'));
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  for (const id of ['table', 'plots', 'overlays', 'tsne', 'notes', 'config', 'machine']) {
    assert.ok(html.includes(`<section id="${id}">`), id);
  }
  assert.ok(html.includes('2024-01-02T03:04:05.000Z'));
  assert.ok(html.includes('2 min 5 s'));
  // the PNG is embedded as base64 and decodes back to the same bytes
  const m = /src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(html);
  assert.ok(m);
  assert.deepEqual(new Uint8Array(Buffer.from(m[1]!, 'base64')), png);
  // the SVG (even one holding a script) is an <img> data URI, which browsers never run
  const s = /src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/.exec(html);
  assert.ok(s);
  assert.match(Buffer.from(s[1]!, 'base64').toString('utf8'), /^<svg/);
  // relative link, percent-encoded
  assert.ok(html.includes('src="tsne/patient%20%221%22.png"'));
  // the table: best in bold, the std over the two folds
  assert.match(html, /<td><strong>0\.850 \(0\.071\)<\/strong><\/td>/);
  assert.match(html, /<td class="label">&lt;script&gt;/);
  // no inline style/script resources from elsewhere: self-contained
  assert.ok(!/<link |src="http/i.test(html));
});

test('htmlReport: refuses links with a scheme and figures with no or two sources', () => {
  const base = { title: 't', summary: 's', machine: machineInfo() };
  assert.throws(
    () => htmlReport({ ...base, plots: [{ caption: 'x', href: 'javascript:alert(1)' }] }),
    /plots\[0\]\.href: expected a relative path/,
  );
  assert.throws(
    () => htmlReport({ ...base, plots: [{ caption: 'x', href: 'https://example.org/a.png' }] }),
    /relative path/,
  );
  assert.throws(() => htmlReport({ ...base, plots: [{ caption: 'x', href: '/etc/a.png' }] }), /relative path/);
  assert.throws(() => htmlReport({ ...base, overlays: [{ caption: 'x' }] }), /overlays\[0\]: give exactly one/);
  assert.throws(() => htmlReport({ ...base, overlays: [{ caption: 'x', png, href: 'a.png' }] }), /exactly one/);
  assert.throws(() => htmlReport({ ...base, title: '' }), /title is required/);
});

test("htmlReport: a figure's command shows escaped under its caption, with one note on what it does", () => {
  const base = { title: 't', summary: 's', machine: machineInfo() };
  const command = `medcl view --model 'a b.onnx' --scan ${evil} --open`;
  const html = htmlReport({
    ...base,
    overlays: [
      { caption: 'c', png, command },
      { caption: 'd', png },
    ],
  });
  assert.equal(html.includes(evil), false);
  const shown = [...html.matchAll(/<code class="command">([^<]*)<\/code>/g)].map((m) => m[1]);
  assert.deepEqual(shown, [
    'medcl view --model &#39;a b.onnx&#39; --scan &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; --open',
  ]);
  assert.equal(html.split("opens that scan, segmented by that network, in medcl's").length - 1, 1);
  assert.equal(htmlReport({ ...base, overlays: [{ caption: 'd', png }] }).includes('opens that scan'), false);
});

test('writeHtmlReport writes the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'medcl-html-'));
  try {
    const file = join(dir, 'out', 'report.html');
    await writeHtmlReport(file, { title: 'T', summary: 'S', config: { a: 1n, b: new Float32Array([1, 2]) } });
    const html = await readFile(file, 'utf8');
    assert.ok(html.includes('<h1>T</h1>'));
    assert.ok(html.includes('&quot;a&quot;: &quot;1&quot;'));
    assert.ok(!html.includes('<section id="table">'), 'no empty sections');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
