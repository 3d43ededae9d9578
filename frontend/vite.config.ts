import { defineConfig } from 'vitest/config';

// The BFF serves dist/ under a strict Content-Security-Policy (script-src and
// style-src 'self'), so the build must emit external files only: no inline
// scripts, styles or data: URIs, and no injected module-preload polyfill.
export default defineConfig({
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
});
