// Public links: an editor shares the Shop overview from its page; a fresh, signed-out browser
// opens the link and sees the widgets drawn (under the app's CSP, which this spec does not
// bypass), changes the range among the presets, and cannot reach any signed-in server function
// from there; once revoked, the link opens nothing.
import { expect, test, type Page } from "@playwright/test";
import { admin, LoginPage, waitForHydration } from "./fixtures/pages";

async function openShopOverview(page: Page) {
  await new LoginPage(page).goto("/dashboards?from=now-3h");
  await new LoginPage(page).signIn(admin.email, admin.password);
  await expect(page).toHaveURL(/\/dashboards/);
  await page.getByRole("link", { name: "Shop overview" }).first().click();
  await expect(page.getByTestId("dashboard-grid")).toBeVisible();
  await waitForHydration(page);
}

/** POSTs form arguments to a server function from the page, as the app's own script would. */
async function callFromPage(page: Page, path: string, args: Record<string, string>) {
  return page.evaluate(
    async ({ path, args }) => {
      const res = await fetch(path, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(args).toString(),
      });
      let body: unknown = null;
      try {
        body = await res.json();
      } catch {
        body = null;
      }
      return { status: res.status, body: body as { kind?: string } | null };
    },
    { path, args },
  );
}

test("a shared link shows the dashboard signed out and refuses any other query", async ({ page, browser }) => {
  await openShopOverview(page);
  const dashboardId = new URL(page.url()).pathname.split("/").pop()!;
  const label = `e2e wall ${Date.now()}`;

  // The editor makes a link from the dashboard's Share panel.
  const share = page.getByTestId("share");
  await share.getByText("Share a read-only link").click();
  const form = page.getByTestId("share-form");
  await form.getByLabel("Label").fill(label);
  await form.getByLabel("Expires after").selectOption("1d");
  await form.getByRole("button", { name: "Create link" }).click();
  const urlInput = page.getByTestId("share-url");
  await expect(urlInput).toHaveValue(/^https?:\/\/[^/]+\/public\/d\/[A-Za-z0-9_-]{43}$/, { timeout: 30_000 });
  const link = await urlInput.inputValue();
  await expect(page.getByTestId("share-links")).toContainText(label);

  // A fresh browser with no session opens it: the widgets are drawn, read-only.
  const context = await browser.newContext();
  try {
    const anon = await context.newPage();
    const cspErrors: string[] = [];
    anon.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    await anon.goto(link);
    await expect(anon).toHaveURL(link);
    await expect(anon.getByRole("heading", { level: 1 })).toHaveText("Shop overview");
    await expect(anon.getByTestId("public-notice")).toContainText("Read-only shared view");
    expect(await anon.getByTestId("widget").count()).toBeGreaterThan(3);
    await expect(anon.getByTestId("chart").first().locator("svg")).toBeVisible();
    await expect(anon.getByText("Edit as JSON")).toHaveCount(0);
    await expect(anon.getByText("Share a read-only link")).toHaveCount(0);
    const html = await anon.content();
    expect(html).not.toContain("123456789012");
    expect(html.toLowerCase()).not.toContain("arn:aws");
    await waitForHydration(anon);

    // Another preset: the URL says it and every widget is drawn for it.
    const grid = anon.getByTestId("dashboard-grid");
    const startBefore = Number(await grid.getAttribute("data-start"));
    await anon.getByRole("navigation", { name: "Range" }).getByRole("link", { name: "24 hours" }).click();
    await expect(anon).toHaveURL(/[?&]range=24h/);
    await expect
      .poll(async () => startBefore - Number(await grid.getAttribute("data-start")), { timeout: 30_000 })
      .toBeGreaterThan(20 * 3_600_000);
    await expect(anon.getByTestId("chart").first().locator("svg")).toBeVisible();

    // From that signed-out page, the signed-in server functions refuse, this dashboard's too;
    // the public one refuses a range that is not a preset.
    const widgets = await callFromPage(anon, "/fn/dashboards/widgets", { id: dashboardId, from: "now-3h" });
    expect(widgets.status).toBe(401);
    expect(widgets.body?.kind).toBe("unauthorized");
    const list = await callFromPage(anon, "/fn/dashboards", {});
    expect(list.status).toBe(401);
    const token = new URL(link).pathname.split("/").pop()!;
    const wide = await callFromPage(anon, "/fn/public/dashboard", { token, range: "now-30d" });
    expect(wide.status).toBe(422);
    expect(cspErrors).toEqual([]);

    // Revoked by the editor, the link opens nothing.
    await page.getByRole("button", { name: `Revoke ${label}` }).click();
    await expect(page.getByTestId("share-links").locator("tr", { hasText: label })).toContainText("revoked");
    await anon.goto(link);
    await expect(anon.getByRole("heading", { level: 1 })).toHaveText("This link has expired or was revoked");
    await expect(anon.getByTestId("widget")).toHaveCount(0);
  } finally {
    await context.close();
  }
});
