#!/usr/bin/env node
// Compiles every ```ts snippet of every README against the built packages, the way a user's
// project would: strict + exactOptionalPropertyTypes + noUncheckedIndexedAccess, once as ESM
// (module/moduleResolution nodenext, "type": "module") and once as CommonJS (module commonjs,
// which implies moduleResolution node10). Part of `pnpm typecheck`; needs `pnpm build` first.
//
// A snippet is a fragment of a README, so it may lean on names it does not declare (`app`,
// `router`, `handler`): an HTML comment right above its fence, `<!-- snippet-context: ... -->`,
// is prepended to it (hidden from readers, compiled here). Everything a reader must write
// (a body parser, a session type) is in the snippet itself.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readmes = [
  'README.md',
  ...['core', 'express', 'koa', 'fastify', 'nestjs', 'local'].map((p) => `packages/${p}/README.md`),
];

const extraFiles = ['test/types/userTsconfigs.ts'];

/** Every ```ts block, with the `snippet-context` (and `snippet: declarations`) comments right above it. */
export function extractSnippets(markdown) {
  const snippets = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    // The comments directly above the fence (nothing else between them and it).
    let j = i;
    let above = '';
    while (j > 0 && /-->\s*$/.test(lines[j - 1])) {
      let k = j - 1;
      while (k >= 0 && !lines[k].includes('<!--')) k--;
      above = `${lines.slice(k, j).join('\n')}\n${above}`;
      j = k;
    }
    const context = /<!--\s*snippet-context:([\s\S]*?)-->/.exec(above)?.[1]?.trim() ?? '';
    const declarations = /<!--\s*snippet:\s*declarations\s*-->/.test(above);
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    snippets.push({ line: start, context, declarations, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return snippets;
}

/**
 * The source file for one snippet. CommonJS has no top-level await: there the statements run in
 * an async function, as in a CJS script, while imports and type-level declarations stay at the top.
 */
function toSource(snippet, kind) {
  if (snippet.declarations) {
    return `${snippet.context}\ndeclare namespace Snippet {\n${snippet.code}\n}\nexport {};\n`;
  }
  const text = `${snippet.context}\n${snippet.code}\n`;
  const file = ts.createSourceFile('snippet.ts', text, ts.ScriptTarget.Latest, true);
  if (kind === 'esm' || !file.statements.some(containsTopLevelAwait)) return `${text}export {};\n`;
  const top = [];
  const body = [];
  for (const statement of file.statements) {
    const source = text.slice(statement.getFullStart(), statement.getEnd());
    const typeLevel =
      ts.isImportDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isModuleDeclaration(statement) ||
      (ts.getCombinedModifierFlags(statement) & ts.ModifierFlags.Ambient) !== 0;
    (typeLevel ? top : body).push(source);
  }
  return `${top.join('')}\nvoid (async () => {${body.join('')}\n})();\nexport {};\n`;
}

function containsTopLevelAwait(node) {
  if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier)) return true;
  if (ts.isFunctionLike(node) || ts.isClassLike(node)) return false;
  return ts.forEachChild(node, containsTopLevelAwait) === true;
}

const requireHere = createRequire(import.meta.url);
const ts = requireHere('typescript');
/** The directory of `name` as `fromPackage` sees it (pnpm links each package's dependencies there). */
function packageDir(name, fromPackage) {
  return realpathSync(join(root, fromPackage, 'node_modules', name));
}

function link(nodeModules, name, target) {
  const at = join(nodeModules, name);
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at, 'dir');
}

function makeProject(dir, kind) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: `readme-snippets-${kind}`,
      private: true,
      type: kind === 'esm' ? 'module' : 'commonjs',
    }),
  );
  const esm = kind === 'esm';
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          // What `tsc --init` (TypeScript 5.9) writes, for each module system.
          target: 'es2022',
          module: esm ? 'nodenext' : 'commonjs',
          ...(esm ? {} : { moduleResolution: 'node10' }),
          lib: ['es2023'],
          types: ['node'],
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          esModuleInterop: true,
          skipLibCheck: true,
          noEmit: true,
          // Snippets show fragments: a variable a reader would use later is not an error.
          noUnusedLocals: false,
          // What Nest apps compile with (the NestJS README's decorators); no other snippet has any.
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
        },
        include: ['*.ts'],
      },
      null,
      2,
    ),
  );
  const nm = join(dir, 'node_modules');
  for (const p of ['core', 'express', 'koa', 'fastify', 'nestjs', 'local'])
    link(nm, `@auditledge/${p}`, join(root, 'packages', p));
  for (const p of ['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs'])
    link(nm, p, packageDir(p, 'packages/nestjs'));
  link(nm, 'express', packageDir('express', 'packages/express'));
  link(nm, '@types/express', packageDir('@types/express', 'packages/express'));
  link(nm, 'koa', packageDir('koa', 'packages/koa'));
  link(nm, '@types/koa', packageDir('@types/koa', 'packages/koa'));
  link(nm, '@koa/router', packageDir('@koa/router', 'packages/koa'));
  link(nm, 'fastify', packageDir('fastify', 'packages/fastify'));
  link(nm, 'vitest', realpathSync(join(root, 'node_modules', 'vitest')));
  const typesExpress = packageDir('@types/express', 'packages/express');
  link(
    nm,
    '@types/express-serve-static-core',
    realpathSync(join(typesExpress, '..', 'express-serve-static-core')),
  );
  link(nm, '@types/node', realpathSync(join(root, 'node_modules', '@types/node')));
}

function main() {
  const work = join(tmpdir(), `auditledge-readme-snippets-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  const origins = new Map();
  let count = 0;
  try {
    for (const kind of ['esm', 'cjs']) makeProject(join(work, kind), kind);
    for (const readme of readmes) {
      const snippets = extractSnippets(readFileSync(join(root, readme), 'utf8'));
      const tag = readme === 'README.md' ? 'root' : readme.split('/')[1];
      snippets.forEach((snippet, i) => {
        const file = `${tag}-${i + 1}.ts`;
        origins.set(file, `${readme}:${snippet.line + 1}`);
        for (const kind of ['esm', 'cjs']) writeFileSync(join(work, kind, file), toSource(snippet, kind));
        count++;
      });
    }
    // Plus user code kept as a file: the patterns the READMEs do not show.
    for (const extra of extraFiles) {
      const file = extra.split('/').pop();
      origins.set(file, extra);
      for (const kind of ['esm', 'cjs'])
        writeFileSync(join(work, kind, file), readFileSync(join(root, extra), 'utf8'));
    }
    const tsc = requireHere.resolve('typescript/bin/tsc');
    let failed = false;
    for (const kind of ['esm', 'cjs']) {
      try {
        execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
          cwd: join(work, kind),
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (err) {
        failed = true;
        const out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
        // Point each error at its README and line.
        const mapped = out.replace(/^(\S+\.ts)\((\d+),(\d+)\)/gm, (all, file, line) => {
          return origins.has(file) ? `${origins.get(file)} [${kind}, ${file} line ${line}]` : all;
        });
        process.stderr.write(`README snippets fail to compile as ${kind.toUpperCase()}:\n${mapped}\n`);
      }
    }
    if (failed) process.exit(1);
    console.log(
      `${count} README snippets compile as ESM (nodenext) and CJS (node10), strict + exactOptionalPropertyTypes`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
