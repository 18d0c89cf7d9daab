// Prints the before/after convergence table of every scenario (the issue note's table):
//   node --import tsx test/convergence/table.ts [scenario-dir...]
import { converge, converged, scenarioDirs } from './fixrun.js';
import { ROOT } from '../scenario/harness.js';

const dirs = process.argv.length > 2 ? process.argv.slice(2) : scenarioDirs(ROOT);
const fold = (codes: string[]) => {
  const counts = new Map<string, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => (n > 1 ? `${c}×${n}` : c)).join(' ') || '—';
};
let ok = 0;
console.log('| scenario | before | after | converges | why not |');
console.log('| --- | --- | --- | --- | --- |');
for (const dir of dirs) {
  const c = await converge(dir);
  if (converged(c)) ok++;
  const why = c.error ?? [...c.remaining.map((r) => `still ${r}`), ...c.introduced.map((r) => `new ${r.slice(0, 120)}`), ...(c.idempotent ? [] : ['second run changes objects'])].join('; ');
  console.log(`| ${dir.replace(/^.*\/(scenarios|examples)\//, '')} | ${fold(c.before)} | ${c.error ? '?' : fold(c.after)} | ${converged(c) ? 'yes' : 'no'} | ${why.replace(/\|/g, '\\|')} |`);
  if (process.env.SHOW_SCRIPT) console.log(c.script);
}
console.log(`\n${ok}/${dirs.length} scenarios converge`);
