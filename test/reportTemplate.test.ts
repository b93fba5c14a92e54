// The page's template from the build's precompiled copy (src/render/reportTemplate.ts) and compiled at run time
// make the same page; an edited template is never rendered from a stale copy.
import assert from 'node:assert/strict';
import test from 'node:test';
import { loadReportAssets, renderReportHtml } from '../src/render/reportHtml.js';
import { pageTemplate, templateDigest } from '../src/render/reportTemplate.js';
import { smallScenario } from '../scripts/syntheticReport.js';

const GENERATED = '2026-11-18T19:06:00.000Z';

test('the build made a precompiled copy of the templates on disk', () => {
  // npm test builds first: a build that did not write the copy, or wrote it from other templates, fails here
  assert.equal(pageTemplate(loadReportAssets()).precompiled, true);
});

test('the precompiled copy and a run-time compile make the same page, byte for byte', () => {
  const { summary, recordings } = smallScenario();
  const assets = loadReportAssets();
  const fromCopy = renderReportHtml(summary, recordings, { dataDir: 'data', generatedAt: GENERATED, assets });
  // A Handlebars comment renders nothing but changes the digest: this page is compiled at run time.
  const edited = { ...assets, template: `${assets.template}{{!-- not in the build's copy --}}` };
  assert.equal(pageTemplate(edited).precompiled, false);
  const compiled = renderReportHtml(summary, recordings, { dataDir: 'data', generatedAt: GENERATED, assets: edited });
  assert.ok(fromCopy.length > 10_000);
  assert.equal(compiled, fromCopy);
});

test('a template or partial edited after the build is rendered as edited', () => {
  const { summary, recordings } = smallScenario();
  const assets = loadReportAssets();
  const name = Object.keys(assets.partials).sort()[0]!;
  const edited = { ...assets, partials: { ...assets.partials, [name]: `EDITED-PARTIAL ${assets.partials[name]}` } };
  assert.notEqual(templateDigest(edited), templateDigest(assets));
  assert.equal(pageTemplate(edited).precompiled, false);
  const html = renderReportHtml(summary, recordings, { dataDir: 'data', generatedAt: GENERATED, assets: edited });
  assert.ok(html.includes('EDITED-PARTIAL'), `partial ${name} rendered from the edited text`);
});

test('the digest tells apart a partial renamed from its text moved', () => {
  assert.notEqual(templateDigest({ template: 'a', partials: { b: 'c' } }), templateDigest({ template: 'a', partials: { bc: '' } }));
  assert.notEqual(templateDigest({ template: 'ab', partials: {} }), templateDigest({ template: 'a', partials: { b: '' } }));
});
