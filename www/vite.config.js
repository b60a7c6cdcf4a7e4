import { defineConfig } from "vite";

export default defineConfig({
  // Relative asset URLs: the built app works under any path (the reference server mounts it at /www/).
  base: "./",
  // Pre-bundling would move the package's JS away from its .wasm in `vite dev`.
  optimizeDeps: { exclude: ["@flodrama/player"] },
});
