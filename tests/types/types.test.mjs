// The package's types: tests/types/consumer.ts, which uses every entry point, passes
// `tsc --noEmit --strict` against the packed tarball (its exports map, its files list), and the
// lines it marks @ts-expect-error are rejected.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import { ARTIFACTS, ROOT } from "../lib/harness.mjs";
import { packTarball } from "../lib/pack.mjs";

test("consumer.ts type-checks with tsc --strict against the packed package", () => {
  const tarball = packTarball();
  const project = join(ARTIFACTS, "types");
  const pkg = join(project, "node_modules", "@flodrama", "player");
  rmSync(project, { recursive: true, force: true });
  mkdirSync(pkg, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", pkg, "--strip-components=1"]);
  copyFileSync(join(ROOT, "tests", "types", "consumer.ts"), join(project, "consumer.ts"));
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      target: "ES2022", module: "ESNext", moduleResolution: "bundler", lib: ["ES2022", "DOM"],
      types: [], skipLibCheck: false,
    },
    files: ["consumer.ts"],
  }));
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  let output = "";
  try {
    execFileSync(process.execPath, [tsc, "-p", project, "--noEmit", "--strict", "--pretty", "false"], {
      encoding: "utf8",
    });
  } catch (e) {
    output = `${e.stdout}${e.stderr}`;
  }
  assert.equal(output, "", `tsc reported:\n${output}`);
});
