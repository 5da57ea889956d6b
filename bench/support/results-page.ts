import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The markers around the generated part of the results page; text outside them is kept. */
export const RESULTS_START = '<!-- bench:results:start (written by npm run bench) -->';
export const RESULTS_END = '<!-- bench:results:end -->';

const NEW_PAGE_HEADER = `# Benchmarks

\`npm run bench\` measures the event bus and its references in interleaved rounds and rewrites the
part of this page between the markers below. Text outside the markers is kept.

`;

/**
 * Writes the generated results into the page: between the markers when the page has them,
 * otherwise as a new page.
 */
export function writeResultsPage(path: string, generated: string): void {
  const block = `${RESULTS_START}\n${generated.trim()}\n${RESULTS_END}`;
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  const start = existing?.indexOf(RESULTS_START) ?? -1;
  const end = existing?.indexOf(RESULTS_END) ?? -1;

  let page: string;
  if (existing !== undefined && start !== -1 && end > start) {
    page = existing.slice(0, start) + block + existing.slice(end + RESULTS_END.length);
  } else {
    page = `${NEW_PAGE_HEADER}${block}\n`;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, page);
}
