/** Debian's headless Chromium for the dashboard's tests, driven by playwright-core (which downloads no browser). */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (`.ci/run` installs it); SQUALL_CHROMIUM names another build. */
export const CHROMIUM = [process.env.SQUALL_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
export const skipWithoutChromium = CHROMIUM ? false : 'no chromium here: apt-get install -y chromium (.ci/run does), or set SQUALL_CHROMIUM';

/** A fresh profile in a throwaway folder, removed after: no state from an earlier run, none left behind. */
export async function openChromium(executablePath: string): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'squall-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-background-networking'],
      viewport: { width: 1400, height: 760 },
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}


/** What a page says went wrong: console errors, uncaught exceptions and failed requests, collected as they come. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  return problems;
}
