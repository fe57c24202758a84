import { defineConfig } from "@playwright/test";

// The server is started by scripts/e2e, which passes its address in BASE_URL.
const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3000";

const chromium = {
  browserName: "chromium" as const,
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  },
};

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: { baseURL, trace: "off", screenshot: "only-on-failure" },
  projects: [
    { name: "hydrated", use: { ...chromium, javaScriptEnabled: true }, testIgnore: /no-js/ },
    { name: "no-js", use: { ...chromium, javaScriptEnabled: false }, testMatch: /no-js/ },
  ],
});
