/**
 * Parses the Prometheus text format into one entry per sample, keyed by the sample's name and
 * labels exactly as written, such as `event_bus_messages_published_total{channel="karma.feedback"}`.
 * Comment lines (`# HELP`, `# TYPE`) and blank lines are skipped.
 * @throws Error naming the line when a sample line has no numeric value
 */
export function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) {
      continue;
    }
    const separator = line.lastIndexOf(' ');
    const value = Number(line.slice(separator + 1));
    if (separator <= 0 || Number.isNaN(value)) {
      throw new Error(`Not a Prometheus sample line: ${line}`);
    }
    samples.set(line.slice(0, separator), value);
  }
  return samples;
}

/**
 * Returns the samples whose metric name is one of `names`, as a plain object for `toEqual`.
 * A histogram's series are selected by their full names, such as `…_seconds_count`.
 */
export function samplesNamed(text: string, names: readonly string[]): Record<string, number> {
  const selected = new Set(names);
  return Object.fromEntries(
    [...parseSamples(text)].filter(([key]) => selected.has(key.replace(/\{.*$/, ''))),
  );
}
