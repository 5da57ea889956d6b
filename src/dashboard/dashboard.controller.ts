import { Controller, Get, Header, NotFoundException, Param, StreamableFile } from '@nestjs/common';
import { readFile } from 'node:fs/promises';

/**
 * Folder of the page files, beside this module: `src/dashboard/assets` under Jest and
 * `dist/dashboard/assets` after `nest build`, which copies them there (`compilerOptions.assets`
 * in nest-cli.json).
 */
const ASSETS_DIR = new URL('./assets/', import.meta.url);

/** Files served under `/dashboard/`, with their content types. No other name is served. */
const DASHBOARD_ASSET_TYPES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'live-stream.js': 'text/javascript; charset=utf-8',
  'channel-feed.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'feeds.css': 'text/css; charset=utf-8',
};

/** The page loads only its own files and data: no inline scripts, no other hosts. */
const PAGE_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the live dashboard: the page at `GET /` and its scripts and styles at
 * `GET /dashboard/<file>`. Files are read on each request and never cached, so an edited asset
 * shows on the next reload.
 */
@Controller()
export class DashboardController {
  /** Returns the dashboard page. */
  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Content-Security-Policy', PAGE_SECURITY_POLICY)
  page(): Promise<StreamableFile> {
    return readAsset('index.html', 'text/html; charset=utf-8');
  }

  /**
   * Returns one script or style sheet of the page.
   * @throws NotFoundException when `file` is not one of the dashboard's assets
   */
  @Get('dashboard/:file')
  @Header('Cache-Control', 'no-store')
  asset(@Param('file') file: string): Promise<StreamableFile> {
    const type = Object.hasOwn(DASHBOARD_ASSET_TYPES, file) ? DASHBOARD_ASSET_TYPES[file] : null;
    if (type === null) {
      const available = Object.keys(DASHBOARD_ASSET_TYPES).join(', ');
      throw new NotFoundException(`No dashboard asset named "${file}"; available: ${available}`);
    }

    return readAsset(file, type);
  }
}

async function readAsset(file: string, type: string): Promise<StreamableFile> {
  const content = await readFile(new URL(file, ASSETS_DIR));
  return new StreamableFile(content, { type });
}
