// The page's script is written as small ES modules (templates/client/*.js, type-checked by tsconfig.client.json
// against the page-data types) and shipped as one inline script: a self-contained page loads nothing, so the
// modules are joined here, in CLIENT_MODULES order, into one function scope. Pure: the caller reads the files.
//
// The join is deliberately dumb, so the modules must stay simple: imports are single statements without `;`
// inside them and are dropped; `export` in front of a top-level function/const/let/var is dropped; nothing else
// (no default export, no `export {…}`, no import side effects). Two modules declaring the same top-level name
// would silently shadow each other in one scope, so that is an error here instead.

/** Load order: a module only uses, at load time, what earlier ones declare; main.js starts the page. */
export const CLIENT_MODULES = ['format', 'dom', 'data', 'tsv', 'clipboard', 'charts', 'compare', 'main'] as const;

export interface ClientModule {
  /** File name without .js, for messages and the separator comment. */
  name: string;
  text: string;
}

const IMPORT = /^import\b[^;]*;[ \t]*\n/gm;
const EXPORT_DECL = /^export (?=(?:async )?(?:function|const|let|var|class)\b)/gm;
const TOP_LEVEL_NAME = /^(?:export )?(?:async )?(?:function\*?|const|let|var|class)\s+([A-Za-z_$][\w$]*)/gm;

/** One script text: `(function () { 'use strict'; …modules… })();`. Throws on what the join cannot carry. */
export function joinClientModules(modules: readonly ClientModule[]): string {
  const declaredIn = new Map<string, string>();
  const parts: string[] = [];
  for (const m of modules) {
    if (/^export\s+(?:default|\{|\*)/m.test(m.text)) {
      throw new Error(`templates/client/${m.name}.js: only "export function/const/let/var" can be joined into the page`);
    }
    for (const [, name] of m.text.matchAll(TOP_LEVEL_NAME)) {
      const other = declaredIn.get(name);
      if (other !== undefined) throw new Error(`templates/client/${m.name}.js declares ${name}, which ${other}.js already declares`);
      declaredIn.set(name, m.name);
    }
    parts.push(`// ---- ${m.name}.js ----\n` + m.text.replace(IMPORT, '').replace(EXPORT_DECL, ''));
  }
  return (
    "/* leakwatch report: the page's script, joined from templates/client/*.js by src/render/clientScript.ts. */\n" +
    "(function () {\n'use strict';\n" +
    parts.join('\n') +
    '})();\n'
  );
}
