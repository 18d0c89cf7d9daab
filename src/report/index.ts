// Renders a Report as table, json or yaml. Renders only: every number in it was computed before.
import { stringify } from 'yaml';
import { renderDoctorTable } from './table.js';
import { renderStatusTable } from './status.js';
import { renderSarif, type SarifContext } from './sarif.js';
import { redactKeyMaterial } from './text.js';
import type { RenderStyle, Report } from './types.js';

export type { RenderStyle, Report, ReportChange, ReportFinding, ReportSource } from './types.js';
export { groupFindings, renderDoctorTable, verdictLine } from './table.js';
export { renderStatusTable } from './status.js';
export { redactKeyMaterial } from './text.js';

export type ReportFormat = 'table' | 'json' | 'yaml' | 'sarif';
export type { SarifContext } from './sarif.js';

/** `sarif`: where the -f objects are written, the working directory and the version (-o sarif only). */
export function renderReport(report: Report, format: ReportFormat, style: RenderStyle, sarif?: SarifContext): string {
  let text: string;
  if (format === 'sarif') text = renderSarif(report, sarif ?? { cwd: process.cwd(), version: '0.0.0' });
  else if (format === 'json') text = `${JSON.stringify(report, null, 2)}\n`;
  else if (format === 'yaml') text = stringify(report, { lineWidth: 0 });
  else text = report.command === 'status' ? renderStatusTable(report, style) : renderDoctorTable(report, style);
  return redactKeyMaterial(text);
}
