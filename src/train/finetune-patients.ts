/**
 * Which manifest items a stand-alone fine-tuning run trains, validates and tests on, from patient lists. Only
 * labelled items take part (unlabelled ones are counted in the notes). Without lists: every labelled patient trains
 * and nothing is tested; with test (or validation) patients only: every other labelled patient trains; with training
 * patients only: nothing is tested and the other labelled patients are unused. Each choice is stated in `notes`.
 */
import type { Manifest } from '../io/manifest.js';

export interface PatientLists {
  trainPatients?: readonly string[] | undefined;
  valPatients?: readonly string[] | undefined;
  testPatients?: readonly string[] | undefined;
}

export interface PartSelection {
  patients: string[];
  /** labelled manifest items of those patients, in manifest order */
  items: number[];
}

export interface PatientSplit {
  train: PartSelection;
  val: PartSelection;
  test: PartSelection;
  /** what was chosen by default and what was left out, one line each */
  notes: string[];
}

type Field = keyof PatientLists;

function labelledItems(m: Manifest, patient: string): number[] {
  return (m.patients.get(patient)?.items ?? []).filter((i) => m.items[i]!.label !== undefined).sort((a, b) => a - b);
}

/** the given patients, checked: known to the manifest and with at least one labelled item */
function checkedPart(m: Manifest, field: Field, patients: readonly string[], problems: string[]): PartSelection {
  const unknown = patients.filter((p) => !m.patients.has(p));
  if (unknown.length > 0) problems.push(`${field}: not in the manifest: ${unknown.map((p) => `"${p}"`).join(', ')}`);
  const unlabelled = patients.filter((p) => m.patients.has(p) && labelledItems(m, p).length === 0);
  if (unlabelled.length > 0) problems.push(`${field}: no labelled item: ${unlabelled.map((p) => `"${p}"`).join(', ')}`);
  return { patients: [...patients], items: patients.flatMap((p) => labelledItems(m, p)).sort((a, b) => a - b) };
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Splits the manifest's labelled items by patient; throws one error naming every bad field. */
export function splitByPatients(m: Manifest, lists: PatientLists): PatientSplit {
  const problems: string[] = [];
  const notes: string[] = [];
  const part = (f: Field) => checkedPart(m, f, lists[f] ?? [], problems);
  const val = part('valPatients');
  const test = part('testPatients');
  const labelled = [...m.patients.keys()].filter((p) => labelledItems(m, p).length > 0);
  let train: PartSelection;
  if (lists.trainPatients !== undefined) {
    train = part('trainPatients');
    const named = new Set([...train.patients, ...val.patients, ...test.patients]);
    const unused = labelled.filter((p) => !named.has(p));
    if (unused.length > 0) notes.push(`${count(unused.length, 'labelled patient')} in no list: not used`);
  } else {
    const taken = new Set([...val.patients, ...test.patients]);
    train = checkedPart(
      m,
      'trainPatients',
      labelled.filter((p) => !taken.has(p)),
      problems,
    );
    notes.push(
      taken.size === 0
        ? `no patient lists: training on every labelled item (${count(train.patients.length, 'patient')})`
        : `training on every other labelled patient (${count(train.patients.length, 'patient')})`,
    );
  }
  if (problems.length > 0) throw new Error(`finetune: ${m.source}:\n  ${problems.join('\n  ')}`);
  if (train.items.length === 0) throw new Error(`finetune: ${m.source}: no labelled item to train on`);
  if (test.patients.length === 0) notes.push('no test patients: nothing is tested (results.json has no cases)');
  const used = new Set([...train.patients, ...val.patients, ...test.patients]);
  const unlabelled = m.items.filter((it) => used.has(it.patient) && it.label === undefined).length;
  if (unlabelled > 0) notes.push(`${count(unlabelled, 'unlabelled item')} of these patients left out`);
  return { train, val, test, notes };
}
