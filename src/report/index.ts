// Renders a Report as table, json or yaml. Renders only: every number in it was computed before.
import { stringify } from 'yaml';
import { renderDoctorTable } from './table.js';
import { renderStatusTable } from './status.js';
import { redactKeyMaterial } from './text.js';
import type { RenderStyle, Report } from './types.js';

export type { RenderStyle, Report, ReportSource } from './types.js';
export { groupFindings, renderDoctorTable, verdictLine } from './table.js';
export { renderStatusTable } from './status.js';
export { redactKeyMaterial } from './text.js';

export type ReportFormat = 'table' | 'json' | 'yaml';

export function renderReport(report: Report, format: ReportFormat, style: RenderStyle): string {
  let text: string;
  if (format === 'json') text = `${JSON.stringify(report, null, 2)}\n`;
  else if (format === 'yaml') text = stringify(report, { lineWidth: 0 });
  else text = report.command === 'status' ? renderStatusTable(report, style) : renderDoctorTable(report, style);
  return redactKeyMaterial(text);
}
