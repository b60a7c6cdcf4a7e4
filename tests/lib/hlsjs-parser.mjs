// hls.js's playlist parser, bundled from the TypeScript source the npm package ships, for the
// differential test and the parse benchmark.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));

/** Bundles hls.js's m3u8-parser.ts; its two external imports are shimmed: url-toolkit with
 * the exact copy hls.js ships inside dist/hls.mjs, the ID3 helper (unused here) trivially. */
export async function bundleHlsJsParser(tmp) {
  const esbuild = require('esbuild');
  const hlsDir = dirname(require.resolve('hls.js/package.json'));
  const dist = readFileSync(join(hlsDir, 'dist', 'hls.mjs'), 'utf8');
  const from = dist.indexOf('var urlToolkit = {exports: {}};');
  const to = dist.indexOf('var urlToolkitExports = requireUrlToolkit();');
  assert.ok(from > 0 && to > from, 'url-toolkit not found in hls.js dist');
  const toolkit =
    dist.slice(from, to) +
    'export const buildAbsoluteURL = (...a) => requireUrlToolkit().buildAbsoluteURL(...a);\n';
  const shims = {
    name: 'shims',
    setup(build) {
      build.onResolve({ filter: /^(url-toolkit|@svta\/cml-id3)$/ }, (args) => ({
        path: args.path,
        namespace: 'shim',
      }));
      build.onLoad({ filter: /.*/, namespace: 'shim' }, (args) => ({
        loader: 'js',
        contents:
          args.path === 'url-toolkit'
            ? toolkit
            : 'export const utf8ArrayToStr = (a) => new TextDecoder().decode(a);',
      }));
    },
  };
  const flags = [
    'ALT_AUDIO', 'CMCD', 'CONTENT_STEERING', 'EME_DRM', 'IFRAMES', 'INTERSTITIALS',
    'MEDIA_CAPABILITIES', 'SUBTITLES', 'VARIABLE_SUBSTITUTION',
  ];
  const define = Object.fromEntries(flags.map((f) => [`__USE_${f}__`, 'true']));
  Object.assign(define, {
    __HLS_WORKER_BUNDLE__: 'false',
    __IN_WORKER__: 'false',
    __VERSION__: '"diff"',
  });
  const result = await esbuild.build({
    entryPoints: [join(hlsDir, 'src', 'loader', 'm3u8-parser.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    define,
    plugins: [shims],
    logLevel: 'error',
  });
  const file = join(tmp, 'm3u8-parser.mjs');
  writeFileSync(file, result.outputFiles[0].text);
  return (await import(pathToFileURL(file).href)).default;
}
