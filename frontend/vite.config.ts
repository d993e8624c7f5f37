import { defineConfig } from "vite";

// The bundle is built into the Python package (src/folio/_static) and committed, so that
// `pip install .` needs no node. Names are content-hashed and the build is deterministic:
// tests/unit/test_frontend_bundle.py rebuilds into a temp dir and compares.
const target = process.env.FOLIO_DEV_SERVER ?? "http://127.0.0.1:8899";

export default defineConfig({
  base: "./",
  build: {
    outDir: process.env.FOLIO_STATIC_OUT ?? "../src/folio/_static",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 4000,
    rollupOptions: { output: { manualChunks: undefined } },
  },
  server: {
    proxy: {
      "/api": { target, ws: true },
      "/files": { target },
      "/kernelspecs": { target },
    },
  },
});
