// Dashboards: the demo's prebuilt dashboards render in the browser; hover shows every series'
// value (the same as the CSV export's); dragging across a chart zooms the page's range (URL,
// every widget refetched) and Back returns; a fixture imports and every widget renders; text
// widgets stay inert with XSS payloads; a variable's picker switches every widget and the URL
// keeps the choice; and the pages pass axe in both themes.
import { expect, test, type Page } from "@playwright/test";
import * as fs from "fs";
import * as path from "path";
import { admin, expectAccessible, LoginPage, Shell, waitForHydration } from "./fixtures/pages";

test.use({ bypassCSP: true });

async function signIn(page: Page, next: string) {
  await new LoginPage(page).goto(next);
  await new LoginPage(page).signIn(admin.email, admin.password);
  await expect(page).toHaveURL(new RegExp(next.split("?")[0]));
}

async function openShopOverview(page: Page) {
  await signIn(page, "/dashboards?from=now-3h");
  await page.getByRole("link", { name: "Shop overview" }).first().click();
  await expect(page.getByTestId("dashboard-grid")).toBeVisible();
  await waitForHydration(page);
}

test("hover shows every series' value at the instant, equal to the CSV export", async ({ page }) => {
  await openShopOverview(page);
  const chart = page.getByTestId("chart").first();
  await expect(chart.locator("svg")).toBeVisible();
  const box = await chart.boundingBox();
  if (!box) throw new Error("no chart box");
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
  const tip = page.getByTestId("tooltip").first();
  await expect(tip).toBeVisible();
  const t = await tip.getAttribute("data-t");
  const shown = await tip.locator("[data-value]").evaluateAll((rows) =>
    rows.map((r) => ({ label: r.querySelector("span")?.textContent ?? "", value: Number(r.getAttribute("data-value")) })),
  );
  expect(shown.length).toBeGreaterThan(0);
  // The export is built when asked for: download it as a person would.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("csv").first().click()]);
  const csv = fs.readFileSync((await download.path())!, "utf8");
  for (const { label, value } of shown) {
    const row = csv.split("\n").find((l) => l.startsWith(`"${label.replace(/"/g, '""')}",${t},`));
    expect(row, `a CSV row for ${label} at ${t}`).toBeTruthy();
    expect(Number(row!.split(",").pop())).toBe(value);
  }
});

test("dragging across a third of a 3-hour chart zooms the page, and Back returns", async ({ page }) => {
  await openShopOverview(page);
  const before = page.url();
  const grid = page.getByTestId("dashboard-grid");
  const startBefore = Number(await grid.getAttribute("data-start"));
  const svg = page.getByTestId("chart").first().locator("svg");
  const box = await svg.boundingBox();
  if (!box) throw new Error("no chart");
  const attr = async (name: string) => Number(await svg.getAttribute(name));
  const [left, width, t0, t1, nominal] = [
    await attr("data-plot-left"),
    await attr("data-plot-width"),
    await attr("data-t0"),
    await attr("data-t1"),
    Number((await svg.getAttribute("viewBox"))?.split(" ")[2] ?? (await svg.getAttribute("width"))),
  ];
  const scale = box.width / nominal;
  const xAt = (f: number) => box.x + (left + f * width) * scale;
  const timeAt = (f: number) => t0 + f * (t1 - t0);
  await page.mouse.move(xAt(0.3), box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(xAt(0.5), box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(xAt(0.633), box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(page).toHaveURL(/from=20\d\d-/);
  const url = new URL(page.url());
  const from = Date.parse(url.searchParams.get("from")!);
  const to = Date.parse(url.searchParams.get("to")!);
  const period = 60_000;
  expect(Math.abs(from - timeAt(0.3))).toBeLessThanOrEqual(period);
  expect(Math.abs(to - timeAt(0.633))).toBeLessThanOrEqual(period);
  // Every widget refetched for the new range.
  await expect
    .poll(async () => Math.abs(Number(await grid.getAttribute("data-start")) - from), { timeout: 30_000 })
    .toBeLessThanOrEqual(period);
  await page.goBack();
  await expect(page).toHaveURL(before);
  await expect(page.getByTestId("chart").first().locator("svg")).toBeVisible();
  // The widgets are drawn for the previous range again (refetched after the URL changed back).
  await expect
    .poll(async () => Math.abs(Number(await grid.getAttribute("data-start")) - startBefore), { timeout: 30_000 })
    .toBeLessThan(10 * 60_000);
});

test("a fixture imports from the page and every widget renders", async ({ page }) => {
  await signIn(page, "/dashboards?from=now-3h");
  await waitForHydration(page);
  const file = path.join(__dirname, "../../../shared/fixtures/dashboards/shop-overview.json");
  await page.getByText("Import a CloudWatch dashboard").click();
  const form = page.getByTestId("import-form");
  await form.getByLabel("Title").fill("Imported shop");
  await form.getByLabel("Dashboard body (JSON)").fill(fs.readFileSync(file, "utf8"));
  await form.getByRole("button", { name: "Import" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Imported shop", { timeout: 30_000 });
  const widgets = page.getByTestId("widget");
  const count = JSON.parse(fs.readFileSync(file, "utf8")).widgets.length;
  await expect(widgets).toHaveCount(count);
  await expect(page.locator(".widget .alert.error")).toHaveCount(0);
  expect(await page.getByTestId("chart").count()).toBeGreaterThan(0);
});

test("text widgets with XSS payloads stay inert", async ({ page }) => {
  await signIn(page, "/dashboards");
  await waitForHydration(page);
  let dialogs = 0;
  page.on("dialog", async (d) => {
    dialogs += 1;
    await d.dismiss();
  });
  const payloads = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<svg onload=alert(1)></svg>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
  ];
  const body = JSON.stringify({ widgets: payloads.map((p, i) => ({ type: "text", x: 0, y: i * 2, width: 24, height: 2, properties: { markdown: `### ${i}\n${p}` } })) });
  await page.getByText("Import a CloudWatch dashboard").click();
  const form = page.getByTestId("import-form");
  await form.getByLabel("Title").fill("XSS corpus");
  await form.getByLabel("Dashboard body (JSON)").fill(body);
  await form.getByRole("button", { name: "Import" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("XSS corpus", { timeout: 30_000 });
  await expect(page.getByTestId("widget")).toHaveCount(payloads.length);
  for (const a of await page.locator(".markdown a").all()) await a.click({ trial: true }).catch(() => {});
  await page.reload();
  await waitForHydration(page);
  const live = await page.locator(".markdown script, .markdown iframe, .markdown [onerror], .markdown [onload], .markdown [ontoggle], .markdown a[href^='javascript']").count();
  expect(live).toBe(0);
  expect(dialogs).toBe(0);
});

for (const theme of ["light", "dark"]) {
  test(`the dashboard page passes axe in the ${theme} theme`, async ({ page }) => {
    await openShopOverview(page);
    const url = new URL(page.url());
    await page.goto(`/prefs/theme?set=${theme}&next=${encodeURIComponent(url.pathname + url.search)}`);
    await expect(page.getByTestId("dashboard-grid")).toBeVisible();
    await waitForHydration(page);
    await expectAccessible(page, `dashboard (${theme})`);
  });
}

test("a dashboard opens at its own range, and the time picker says so", async ({ page }) => {
  await signIn(page, "/dashboards");
  await waitForHydration(page);
  await page.getByRole("link", { name: "Shop overview" }).first().click();
  await expect(page).toHaveURL(/from=now-3h/);
  await expect(page.getByTestId("time-range")).toContainText("Last 3 hours");
  // Back leaves the dashboard for the list, not for the bare URL (the redirect replaced it).
  await page.goBack();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dashboards");
});

test("a variable's picker switches every widget, and the URL keeps the choice", async ({ page }) => {
  await signIn(page, "/dashboards?from=now-3h");
  await page.getByRole("link", { name: "Ecs services" }).first().click();
  await expect(page.getByTestId("dashboard-grid")).toBeVisible();
  await waitForHydration(page);
  // The picker is labelled, lists the demo's services (from ListMetrics) and shows the default.
  const picker = page.getByRole("combobox", { name: /Service/ });
  await expect(picker).toHaveValue("web");
  await expect(picker.locator("option")).toHaveText(["ai-service", "api", "checkout", "web", "worker"]);
  const legends = page.locator(".widget .legend .legend-key");
  const everyLegendSays = async (service: string) => {
    const labels = await legends.allTextContents();
    return labels.length > 0 && labels.every((l) => l.trim().startsWith(`${service} `));
  };
  await expect.poll(() => everyLegendSays("web"), { timeout: 30_000 }).toBe(true);
  const before = page.url();

  await picker.selectOption("api");
  await expect(page).toHaveURL(/[?&]var-service=api(&|$)/);
  await expect(page).toHaveURL(/from=now-3h/);
  // Every widget refetched for the new service.
  await expect.poll(() => everyLegendSays("api"), { timeout: 30_000 }).toBe(true);
  await expect(picker).toHaveValue("api");

  // Auto-refresh and the time picker keep the choice.
  await page.getByRole("navigation", { name: "Refresh" }).getByRole("link", { name: "1 m" }).click();
  await expect(page).toHaveURL(/refresh=60/);
  await expect(page).toHaveURL(/var-service=api/);
  await new Shell(page).chooseQuickRange("Last 1 hour");
  await expect(page).toHaveURL(/from=now-1h/);
  await expect(page).toHaveURL(/var-service=api/);
  await expect(page).toHaveURL(/refresh=60/);

  // The link shows a teammate the same view.
  await page.goto(page.url());
  await expect(page.getByTestId("dashboard-grid")).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByRole("combobox", { name: /Service/ })).toHaveValue("api");
  await expect.poll(() => everyLegendSays("api"), { timeout: 30_000 }).toBe(true);

  // A value the variable does not take is refused with the variable named; the picker stays.
  const bad = new URL(page.url());
  bad.searchParams.set("var-service", "payments");
  await page.goto(bad.pathname + bad.search);
  await expect(page.locator(".alert.error").first()).toContainText("var-service");
  await expect(page.locator(".alert.error").first()).toContainText("payments");
  await expect(page.getByRole("combobox", { name: /Service/ })).toBeVisible();
  expect(before).not.toContain("var-service");

  // A stale link naming a variable the dashboard does not have: refused by name, and the next
  // choice drops it.
  const stale = new URL(page.url());
  stale.searchParams.set("var-service", "api");
  stale.searchParams.set("var-region", "eu-west-1");
  await page.goto(stale.pathname + stale.search);
  await expect(page.locator(".alert.error").first()).toContainText("var-region");
  await waitForHydration(page);
  await page.getByRole("combobox", { name: /Service/ }).selectOption("checkout");
  await expect(page).toHaveURL(/var-service=checkout/);
  expect(page.url()).not.toContain("var-region");
  await expect.poll(() => everyLegendSays("checkout"), { timeout: 30_000 }).toBe(true);
});

for (const theme of ["light", "dark"]) {
  test(`a dashboard's variable pickers pass axe in the ${theme} theme`, async ({ page }) => {
    await signIn(page, "/dashboards?from=now-3h");
    await page.getByRole("link", { name: "Ecs services" }).first().click();
    await expect(page.getByTestId("variables")).toBeVisible();
    const url = new URL(page.url());
    await page.goto(`/prefs/theme?set=${theme}&next=${encodeURIComponent(url.pathname + url.search)}`);
    await expect(page.getByTestId("variables")).toBeVisible();
    await waitForHydration(page);
    await expectAccessible(page, `dashboard variables (${theme})`);
  });
}
