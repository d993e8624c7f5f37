import { readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vite";

// The bundle is built into the Python package (src/folio/_static) and committed, so that
// `pip install .` needs no node. Names are content-hashed and the build is deterministic:
// tests/unit/test_frontend_bundle.py rebuilds into a temp dir and compares.
const target = process.env.FOLIO_DEV_SERVER ?? "http://127.0.0.1:8899";

/** The page preloads the CodeMirror chunk along with the bundle: imported dynamically, it would only be
 * requested once the bundle has run, and then compiled and run after the notebook had come. */
function preloadEditorChunk(): Plugin {
  return {
    name: "folio-preload-editor-chunk",
    transformIndexHtml: {
      order: "post",
      handler(html, ctx) {
        const chunk = Object.values(ctx.bundle ?? {}).find((c) => c.type === "chunk" && c.name === "cm");
        if (!chunk) return html;
        return [{ tag: "link", attrs: { rel: "modulepreload", crossorigin: true, href: `./${chunk.fileName}` }, injectTo: "head" }];
      },
    },
  };
}

/** index.html's prefetch worker is written in src/prefetch/worker.js (where tests/unit/test_prefetch_worker.py
 * runs it under node) and inlined into the page's first script: it has to start before any bundle loads. */
function inlinePrefetchWorker(): Plugin {
  const marker = "/*folio-prefetch-worker*/";
  return {
    name: "folio-inline-prefetch-worker",
    transformIndexHtml: {
      order: "pre",
      handler(html) {
        if (!html.includes(marker)) throw new Error(`index.html has no ${marker}`);
        const src = readFileSync(new URL("./src/prefetch/worker.js", import.meta.url), "utf8");
        return html.replace(marker, () => src.trim().split("\n").join("\n        "));
      },
    },
  };
}

export default defineConfig({
  plugins: [inlinePrefetchWorker(), preloadEditorChunk()],
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
