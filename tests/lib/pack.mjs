// Packs the already built sdk/pkg into artifacts/pkg with scripts/pack.sh; returns the tarball.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";

/** The path of a fresh `npm pack` of sdk/pkg (which scripts/build.sh sdk makes). */
export function packTarball() {
  const out = execFileSync("bash", [join(ROOT, "scripts", "pack.sh"), "--no-build"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const tarball = out.trim().split("\n").at(-1);
  if (!tarball || !existsSync(tarball)) throw new Error(`scripts/pack.sh made no tarball: ${out}`);
  return tarball;
}
