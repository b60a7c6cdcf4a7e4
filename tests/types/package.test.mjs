// The packed npm package: its file list and manifest (ESM, exports map, types, sideEffects),
// a wasm that went through wasm-opt, and a README and types that document every export and
// every config field with its default.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../lib/harness.mjs";
import { packTarball } from "../lib/pack.mjs";

const PKG = join(ROOT, "sdk", "pkg");

test("npm pack ships the ESM entry point, its types, the glue, the .wasm and the README", () => {
  packTarball();
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", PKG], { cwd: ROOT, encoding: "utf8" }));
  assert.equal(packed.name, "@flodrama/player");
  // The typed entry point and the modules it imports (sdk/js), the glue, the .wasm, the README.
  const js = readdirSync(join(ROOT, "sdk", "js"));
  assert.ok(js.includes("index.js") && js.includes("index.d.ts"));
  const expected = [...js, "README.md", "flodrama_player.d.ts", "flodrama_player.js", "flodrama_player_bg.wasm", "package.json"];
  assert.deepEqual(packed.files.map((f) => f.path).sort(), expected.sort());
  const manifest = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  assert.equal(manifest.type, "module");
  assert.equal(manifest.sideEffects, false);
  assert.equal(manifest.types, "./index.d.ts");
  assert.deepEqual(manifest.exports["."], { types: "./index.d.ts", default: "./index.js" });
  assert.equal(manifest.exports["./flodrama_player_bg.wasm"], "./flodrama_player_bg.wasm");
});

test("the packed wasm went through wasm-opt (no custom sections left, smaller than wasm-bindgen's)", () => {
  const bytes = readFileSync(join(PKG, "flodrama_player_bg.wasm"));
  const module = new WebAssembly.Module(bytes);
  for (const section of ["name", "producers", "target_features"]) {
    assert.equal(WebAssembly.Module.customSections(module, section).length, 0, `wasm-bindgen keeps a ${section} section; the release build strips it`);
  }
  const cargo = readFileSync(join(ROOT, "target", "wasm32-unknown-unknown", "wasm-release", "flodrama_player.wasm"));
  assert.ok(bytes.length < cargo.length / 2, `${bytes.length} bytes packed, ${cargo.length} from cargo`);
});

test("every export is declared in index.d.ts and documented in the README", async () => {
  const exports = Object.keys(await import(join(PKG, "index.js"))).sort();
  assert.deepEqual(exports, ["Events", "Player", "ResumeClient", "SessionReporter", "Transmuxer", "VideoProxyClient", "WatchParty", "default", "inspectPlaylist"]);
  const types = readFileSync(join(PKG, "index.d.ts"), "utf8");
  const readme = readFileSync(join(PKG, "README.md"), "utf8");
  for (const name of exports) {
    const declared = name === "default"
      ? /export default function init\(/
      : new RegExp(`export declare (class|function|const) ${name}\\b`);
    assert.match(types, declared, `index.d.ts declares ${name}`);
    assert.ok(readme.includes(name === "default" ? "`init(wasm?)`" : `${name}`), `README documents ${name}`);
  }
  // Player members named in the issue, in the types and the README.
  for (const member of ["load", "play", "pause", "seek", "levels", "currentLevel", "nextLevel", "autoLevel",
    "autoLevelEnabled", "stats", "on", "once", "off", "destroy"]) {
    assert.match(types, new RegExp(`^  (readonly |get |set )?${member}[(<:]`, "m"), `index.d.ts: Player.${member}`);
    assert.ok(readme.includes(`\`${member}`), `README: Player.${member}`);
  }
});

test("every config field has a documented default in index.d.ts and the README", () => {
  const types = readFileSync(join(PKG, "index.d.ts"), "utf8");
  const readme = readFileSync(join(PKG, "README.md"), "utf8");
  for (const iface of ["PlayerConfig", "LoadOptions", "ResumeConfig", "ApiOptions", "WatchPartyOptions"]) {
    const body = types.match(new RegExp(`export interface ${iface} \\{([\\s\\S]*?)\\n\\}`))?.[1];
    assert.ok(body, `index.d.ts has ${iface}`);
    // Each field with the doc comment just above it.
    const fields = [...body.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(\w+)(\??):/g)];
    assert.ok(fields.length > 0, `${iface} has fields`);
    for (const [, doc, field, optional] of fields) {
      if (optional) assert.match(doc, /@default \S/, `${iface}.${field} documents its default`);
      assert.ok(readme.includes(`\`${field}\``), `README documents ${iface}.${field}`);
    }
  }
  const configRows = readme.match(/### Config\n[\s\S]*?\n\n(\|[\s\S]*?)\n\n/)?.[1].split("\n").slice(2) ?? [];
  const documented = configRows.map((row) => row.split("|").map((c) => c.trim()));
  const fields = [...types.match(/export interface PlayerConfig \{([\s\S]*?)\n\}/)[1].matchAll(/^  (\w+)\?:/gm)].map((m) => m[1]);
  assert.deepEqual(documented.map((cells) => cells[1].replaceAll("`", "")), fields, "README's config table lists every field in order");
  for (const cells of documented) assert.ok(cells[2].length > 0, `README gives ${cells[1]} a default`);
});
