// Draws the tables for a terminal: aligned columns, the targets' verdicts in colour when stdout
// is a TTY (and NO_COLOR is not set).
const useColor = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code, text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text)
export const bold = (t) => paint(1, t)
export const dim = (t) => paint(2, t)
const VERDICT = { met: (t) => paint(32, t), missed: (t) => paint(31, t), 'not measured': (t) => paint(33, t), skipped: (t) => paint(33, t) }
const MAX_CELL = 60

export function renderTerminal(tables) {
  return tables.filter((t) => !t.markdownOnly).map(renderTable).join('\n\n')
}

function renderTable({ title, note, columns, rows, layout }) {
  const lines = [bold(title)]
  if (layout === 'list') {
    // Long cells (the targets' reasons) read better as wrapped paragraphs than clipped.
    for (const [label, measured, verdict, why] of rows) {
      lines.push(`${(VERDICT[verdict] ?? ((t) => t))(`[${verdict}]`)} ${label}`, dim(wrap(`measured: ${measured}`, 106).replace(/^/gm, '    ')))
      if (why) lines.push(dim(wrap(`why: ${why}`, 106).replace(/^/gm, '    ')))
    }
  } else if (columns.length > 0) {
    const cells = [columns, ...rows].map((row) => row.map((cell) => clip(String(cell))))
    const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)))
    const line = (row) => row.map((cell, i) => (VERDICT[cell] ?? ((t) => t))(cell.padEnd(widths[i]))).join('  ').trimEnd()
    lines.push(dim(line(cells[0])), ...cells.slice(1).map(line))
  }
  if (note) lines.push(dim(wrap(note, 110)))
  return lines.join('\n')
}

function clip(text) {
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 3)}...` : text
}

function wrap(text, width) {
  const out = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      out.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) out.push(line)
  return out.join('\n')
}
