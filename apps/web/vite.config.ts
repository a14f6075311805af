import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';
import { precompress } from './build/precompress.js';

/** The web app; `npm run build:web` writes dist/, which the server serves at `/`. */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), precompress()],
  // The workspace packages from their TypeScript sources, not their published dist/ builds.
  resolve: { conditions: ['@carechat/source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No source maps in what is served: they would publish the source (decision 1407).
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    // `npm run dev -w apps/web` next to a running server: the API and sockets go to it.
    proxy: {
      '/api': 'http://localhost:3000',
      '/ws': { target: 'ws://localhost:3000', ws: true },
    },
  },
});
