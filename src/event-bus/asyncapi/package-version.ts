import { readFileSync } from 'node:fs';

/** The package root's `package.json`: three levels up from this file in `src/` and `dist/`. */
const PACKAGE_JSON_URL = new URL('../../../package.json', import.meta.url);

let cachedVersion: string | undefined;

/** Reads the version of karma-event-bus from its `package.json`, once per process. */
export function readPackageVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(PACKAGE_JSON_URL, 'utf8')) as { version: string })
    .version;
  return cachedVersion;
}
