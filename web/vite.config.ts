/**
 * The patient and service-desk portal's build: a single-page React app compiled into dist/web,
 * which src/portal-web serves at `/`, and the sign-in page (signin.html) that src/identity/pages
 * serves at `/oauth2/authorize`, built from the same sign-in steps. Asset URLs are relative (`base: './'`) so the same build
 * works behind any path prefix; the server makes them absolute in index.html for deep links.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web/', import.meta.url)),
    emptyOutDir: true,
    // Browsers the NHS supports; no legacy bundle (the CSP forbids inline scripts anyway).
    target: 'es2022',
    sourcemap: true,
    // Hashed names only: the server caches everything under assets/ for a year.
    assetsDir: 'assets',
    chunkSizeWarningLimit: 600,
    // The Sass compile of nhsuk-frontend is the slow step, and always will be: no timing report.
    rolldownOptions: {
      checks: { bundlerTimings: false },
      // Two pages: the portal, and the /oauth2/authorize sign-in page (src/identity/pages serves it).
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        signin: fileURLToPath(new URL('./signin.html', import.meta.url)),
      },
    },
  },
  css: {
    preprocessorOptions: {
      // nhsuk-frontend's Sass warns about its own deprecated settings; the build log stays readable.
      scss: { quietDeps: true },
    },
  },
});
