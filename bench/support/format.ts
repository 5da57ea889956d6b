import { judge, type ResultRow, type Unit } from './result-row.js';
import type { Summary } from './stats.js';

/** Formats a figure of a unit with about three significant digits. */
export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) {
    return 'n/a';
  }
  switch (unit) {
    case 'ms':
      return formatMilliseconds(value);
    case 'MiB':
      return value.toFixed(1);
    case 'fraction':
      return value.toFixed(4);
    default:
      return formatRate(value);
  }
}

function formatMilliseconds(value: number): string {
  if (value < 1) {
    return value.toFixed(3);
  }
  if (value < 10) {
    return value.toFixed(2);
  }
  return value.toFixed(1);
}

function formatRate(value: number): string {
  if (value >= 1e6) {
    return `${(value / 1e6).toFixed(2)} M`;
  }
  if (value >= 1e4) {
    return `${(value / 1e3).toFixed(0)} k`;
  }
  if (value >= 1e3) {
    return `${(value / 1e3).toFixed(1)} k`;
  }
  return value.toFixed(0);
}

/** Formats a summary as `median unit (min–max)`, or only the median for a single sample. */
export function formatSummary(summary: Summary, unit: Unit): string {
  if (summary.samples.length === 0) {
    return '–';
  }
  const median = `${formatValue(summary.median, unit)} ${unit === 'fraction' ? '' : unit}`.trim();
  if (summary.samples.length === 1) {
    return median;
  }
  return `${median} (${formatValue(summary.min, unit)}–${formatValue(summary.max, unit)})`;
}

/** Formats a ratio summary as `0.83x (0.80–0.86)`. */
export function formatRatio(ratio: Summary | undefined): string {
  if (ratio === undefined || ratio.samples.length === 0) {
    return '–';
  }
  const median = `${ratio.median.toFixed(2)}x`;
  return ratio.samples.length === 1
    ? median
    : `${median} (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`;
}

/** Formats a goal ratio with at least one decimal, such as `1.0` or `0.85`. */
function formatGoalRatio(ratio: number): string {
  return Number.isInteger(ratio) ? ratio.toFixed(1) : String(ratio);
}

/** Returns the cells of one table line. */
export function rowCells(row: ResultRow): string[] {
  const goal =
    row.goal === undefined
      ? '–'
      : `${row.goal.comparison === 'at least' ? '≥' : '≤'} ${formatGoalRatio(row.goal.ratio)}x`;
  return [
    row.id,
    row.title,
    formatSummary(row.product.summary, row.unit),
    row.reference === undefined ? '–' : formatSummary(row.reference.summary, row.unit),
    formatRatio(row.ratio),
    goal,
    row.verdict,
  ];
}

const HEADER = ['Row', 'Measure', 'Product', 'Reference', 'Ratio', 'Goal', 'Result'];

/** Renders rows as a Markdown table with padded columns, readable in a terminal too. */
export function renderTable(rows: readonly ResultRow[]): string {
  const lines = [HEADER, ...rows.map(rowCells)];
  const widths = HEADER.map((_, column) =>
    Math.max(...lines.map((cells) => [...cells[column]].length)),
  );
  const render = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell + ' '.repeat(widths[column] - [...cell].length)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [render(lines[0]), rule, ...lines.slice(1).map(render)].join('\n');
}

/** Lists what each row compared and how, one Markdown bullet per row. */
export function renderNotes(rows: readonly ResultRow[]): string {
  return rows
    .map((row) => {
      const sides = row.reference
        ? `${row.product.label} versus ${row.reference.label}`
        : row.product.label;
      return `- **${row.id}**: ${sides}${row.note ? `; ${row.note}` : ''}.`;
    })
    .join('\n');
}

/** States by how much each missed goal was missed. */
export function renderMisses(rows: readonly ResultRow[]): string {
  const misses = rows.filter((row) => row.verdict === 'MISS');
  if (misses.length === 0) {
    return 'No goal was missed.';
  }
  return misses
    .map((row) => {
      if (
        row.goal === undefined ||
        row.ratio === undefined ||
        judge(row.ratio.median, row.goal) === 'PASS'
      ) {
        return `- **${row.id}**: missed: ${row.note ?? 'see the row'}.`;
      }
      const ratio = row.ratio.median;
      const { comparison, ratio: target } = row.goal;
      const shortfall =
        comparison === 'at least'
          ? `${((ratio / target) * 100).toFixed(0)}% of the goal, so the ratio must rise ${(target / ratio).toFixed(2)}x`
          : `${((ratio / target - 1) * 100).toFixed(0)}% over the goal, so the ratio must fall ${(ratio / target).toFixed(2)}x`;
      return `- **${row.id}**: ${ratio.toFixed(2)}x against ${comparison} ${target}x, ${shortfall}.`;
    })
    .join('\n');
}
