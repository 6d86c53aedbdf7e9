/** Headless Chromium for page tests: Debian's binary, offline flags, every console error and request recorded. */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

const chromiumPath = '/usr/bin/chromium';

export interface OpenedPage {
  page: Page;
  errors: string[];
  requests: string[];
}

let browser: Browser | undefined;

export async function openPage(url: string): Promise<OpenedPage> {
  // A page test without its browser fails, loudly: CI installs Debian's chromium.
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install Debian's chromium (.ci/run does) to run the page tests.`);
  const { chromium } = await import('playwright-core');
  browser ??= await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  return { page, errors, requests };
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}
