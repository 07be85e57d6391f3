// The Alertas page as an Airflow `react_apps` bundle: one UMD file that sets
// `globalThis.AirflowPlugin` to the page's component. React, React Router and Chakra UI are the
// Airflow UI's own (it puts them on globalThis: React, ReactDOM, ReactJSXRuntime, ReactRouterDOM,
// ChakraUI), so the page shares the UI's theme, router and React instance and ships none of them.
import { resolve } from "node:path";
import { defineConfig } from "vite";

const shared: Record<string, string> = {
  react: "React",
  "react-dom": "ReactDOM",
  "react/jsx-runtime": "ReactJSXRuntime",
  "react-router-dom": "ReactRouterDOM",
  "@chakra-ui/react": "ChakraUI",
};

export default defineConfig({
  build: {
    emptyOutDir: false,
    lib: {
      entry: resolve(import.meta.dirname, "src/main.tsx"),
      fileName: () => "alertas-ui.js",
      formats: ["umd"],
      name: "AirflowPlugin",
    },
    minify: true,
    outDir: resolve(import.meta.dirname, "../static"),
    reportCompressedSize: false,
    rollupOptions: {
      external: Object.keys(shared),
      output: { exports: "default", globals: shared },
    },
    sourcemap: false,
  },
});
