import pc from 'picocolors'

/** Lays out rows as a table with a header, padding by the visible width (colours excluded). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, i) => Math.max(visible(cell), ...rows.map((row) => visible(row[i] ?? ''))))
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visible(cell))))
      .join('  ')
      .trimEnd()
  return [line(header.map((h) => pc.bold(h))), ...rows.map(line)].join('\n')
}

const ANSI = /\u001b\[[0-9;]*m/g

function visible(text: string): number {
  return text.replace(ANSI, '').length
}

export const ok = (text: string) => pc.green(text)
export const bad = (text: string) => pc.red(text)
export const dim = (text: string) => pc.dim(text)
export const bold = (text: string) => pc.bold(text)
