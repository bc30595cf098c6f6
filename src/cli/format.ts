/** Terminal layout shared by CLI commands; sizes and times come formatted from the core, as every front end shows them. */

/** Lines of `label: value`, labels padded to one width. */
export function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`).join('\n');
}
