/** One table of the report: a heading, a short note on what was measured, and rows of cells. */
export interface Section {
  readonly title: string;
  readonly note: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** The section as a Markdown table under a level-3 heading. */
export function sectionToMarkdown(section: Section): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    `### ${section.title}`,
    '',
    section.note,
    '',
    line(section.columns),
    line(section.columns.map(() => '---')),
    ...section.rows.map(line),
    '',
  ].join('\n');
}

/** The section as plain aligned text for the terminal. */
export function sectionToText(section: Section): string {
  const all = [section.columns, ...section.rows];
  const widths = section.columns.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [`== ${section.title}`, line(section.columns), ...section.rows.map(line), ''].join('\n');
}
