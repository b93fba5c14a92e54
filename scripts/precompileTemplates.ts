// Writes the page's template precompiled (`npm run build`, after tsc): dist/src/render/reportTemplate.precompiled.cjs.
// Why and how it is used: src/render/reportTemplate.ts. Written to a temporary file and renamed, so a report running
// meanwhile reads the old copy or the new one, never half of one.
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadReportAssets } from '../src/render/reportHtml.js';
import { PRECOMPILED_FILE, precompiledModuleSource } from '../src/render/reportTemplate.js';

const renderDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'render');
const out = join(renderDir, PRECOMPILED_FILE);
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, precompiledModuleSource(loadReportAssets()));
renameSync(tmp, out);
