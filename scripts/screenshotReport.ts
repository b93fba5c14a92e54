// Renders a report page and saves PNG screenshots to look at.
//
//   node dist/scripts/screenshotReport.js                         # synthetic two-target page
//   node dist/scripts/screenshotReport.js --scenario 30day        # 30 days x 3 targets
//   node dist/scripts/screenshotReport.js --scenario empty        # no data yet
//   node dist/scripts/screenshotReport.js --html reports/index.html --out test/.tmp/real
//
// Writes <out>-desktop.png (1280 wide, full page), <out>-narrow.png (400 wide, full page),
// <out>-expanded.png (first suspect opened), <out>-print.png (print media, A4 width) and, for synthetic pages, <out>.html. With --parts,
// the full-page shots are also cut into 1000px-high slices (<out>-desktop-partN.png).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { renderReportHtml } from '../src/render/reportHtml.js';
import { launchChromium } from './reportBrowser.js';
import { smallScenario, thirtyDayScenario } from './syntheticReport.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      html: { type: 'string' },
      scenario: { type: 'string', default: 'small' },
      out: { type: 'string', default: 'test/.tmp/report' },
      width: { type: 'string', default: '1280' },
      'no-full': { type: 'boolean', default: false },
      parts: { type: 'boolean', default: false },
    },
  });
  const out = resolve(values.out!);
  mkdirSync(dirname(out), { recursive: true });
  let htmlPath: string;
  if (values.html) {
    htmlPath = resolve(values.html);
  } else {
    const sc =
      values.scenario === '30day'
        ? thirtyDayScenario()
        : values.scenario === 'empty'
          ? { summary: { generatedAt: new Date().toISOString(), targets: [] }, recordings: [] }
          : smallScenario();
    const html = renderReportHtml(sc.summary, sc.recordings, { dataDir: 'data' });
    htmlPath = `${out}.html`;
    writeFileSync(htmlPath, html);
    console.log(`page: ${htmlPath} (${(html.length / 1024).toFixed(0)} KiB)`);
  }
  const browser = await launchChromium();
  try {
    const url = pathToFileURL(htmlPath).href;
    const fullPage = !values['no-full'];
    const shoot = async (width: number, file: string, expand: boolean, print = false) => {
      const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
      if (print) await page.emulateMedia({ media: 'print' });
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') console.log(`[${m.type()}] ${m.text()}`);
      });
      page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
      await page.goto(url);
      await page.waitForSelector('html[data-lw-ready]', { timeout: 15000 }).catch(() => undefined);
      if (print) {
        // What the page does when really printed (beforeprint opens the suspects and sizes the charts).
        await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
      }
      if (expand) {
        const s = page.locator('details.lw-suspect > summary').first();
        if (await s.count()) {
          await s.click();
          await s.evaluate((e) => e.scrollIntoView({ block: 'start' }));
        }
      }
      await page.waitForTimeout(250);
      await page.screenshot({ path: file, fullPage: expand ? false : fullPage });
      console.log(`screenshot: ${file}`);
      if (values.parts && !expand) {
        // The full page is too tall to look at in one go: also save it in 1000px slices.
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        for (let k = 0, y = 0; y < height; k++, y += 1000) {
          const part = file.replace(/\.png$/, `-part${k + 1}.png`);
          await page.screenshot({ path: part, fullPage: true, clip: { x: 0, y, width, height: Math.min(1000, height - y) } });
        }
      }
      await page.close();
    };
    await shoot(Number(values.width), `${out}-desktop.png`, false);
    await shoot(400, `${out}-narrow.png`, false);
    await shoot(Number(values.width), `${out}-expanded.png`, true);
    await shoot(794, `${out}-print.png`, false, true);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
