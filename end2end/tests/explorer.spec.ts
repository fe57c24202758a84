// The metrics explorer: browse the demo's metrics, build a chart (a metric, a math expression over
// it, the metric hidden as a helper), the source view follows the builder and the builder follows
// the source, a bad edit keeps its text with the reason, and the chart goes on a new dashboard;
// a dashboard's widget opens in the explorer and saves back in place. Axe in both themes.
import { expect, test, type Page } from "@playwright/test";
import { admin, expectAccessible, LoginPage, waitForHydration } from "./fixtures/pages";

test.use({ bypassCSP: true });

async function openExplorer(page: Page, query = "from=now-3h") {
  const next = `/metrics-explorer?${query}`;
  await new LoginPage(page).goto(next);
  await new LoginPage(page).signIn(admin.email, admin.password);
  await expect(page).toHaveURL(/metrics-explorer/);
  await waitForHydration(page);
}

async function buildCheckoutCpu(page: Page) {
  await page.getByRole("link", { name: "AWS/ECS" }).click();
  await expect(page).toHaveURL(/ns=AWS%2FECS/);
  await page.getByTestId("metric-search").fill("cpu checkout");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/search=cpu/);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Add CPUUtilization shop-prod checkout", exact: true }).click();
  await expect(page).toHaveURL(/w=/);
  await expect(page.getByTestId("explorer-chart").locator("svg")).toBeVisible();
}

test("build a chart in the explorer and add it to a new dashboard", async ({ page }) => {
  await openExplorer(page);
  await expect(page.getByTestId("explorer-empty")).toBeVisible();
  await buildCheckoutCpu(page);
  await expect(page.getByTestId("query-row")).toHaveCount(1);

  // A math expression over m1, then m1 hidden: only the expression is drawn.
  await page.getByTestId("new-expression").fill("m1 * 2");
  await page.getByRole("button", { name: "Add expression" }).click();
  await expect(page.getByTestId("query-row")).toHaveCount(2);
  await page.getByRole("checkbox", { name: "Show row 1" }).uncheck();
  const code = page.getByTestId("code-view");
  await expect(code).toHaveValue(/"visible": false/);
  await expect(code).toHaveValue(/"expression": "m1 \* 2"/);
  await expect(page.getByTestId("explorer-chart").locator("table.legend tbody tr")).toHaveCount(1);

  // The source edited: the builder follows.
  const text = await code.inputValue();
  await code.fill(text.replace('"expression": "m1 * 2"', '"expression": "m1 * 2", "label": "double cpu"'));
  await page.getByTestId("apply-code").click();
  await expect(page.getByRole("textbox", { name: "Label of row 2" })).toHaveValue("double cpu");
  await expect(page.getByTestId("explorer-chart")).toContainText("double cpu");

  // A bad edit is refused with the path of the bad element, and the text stays.
  await code.fill('{"metrics": [["AWS/ECS"]]}');
  await page.getByTestId("apply-code").click();
  await expect(page.getByTestId("code-error")).toContainText("properties.metrics[0]");
  await expect(code).toHaveValue('{"metrics": [["AWS/ECS"]]}');
  await page.getByRole("button", { name: "Discard changes" }).click();
  await expect(code).toHaveValue(/double cpu/);

  // Back undoes the last change.
  await page.goBack();
  await expect(page.getByRole("textbox", { name: "Label of row 2" })).toHaveValue("");
  await page.goForward();
  await expect(page.getByRole("textbox", { name: "Label of row 2" })).toHaveValue("double cpu");

  // On a new dashboard, which opens with the chart.
  await page.getByTestId("target-dashboard").selectOption("");
  await page.getByTestId("new-dashboard-title").fill("Checkout CPU, doubled");
  await page.getByRole("button", { name: "Add to dashboard" }).click();
  await expect(page).toHaveURL(/\/dashboards\/[0-9a-f-]{36}/);
  await expect(page.getByRole("heading", { name: "Checkout CPU, doubled" })).toBeVisible();
  await expect(page.getByTestId("widget")).toHaveCount(1);
  await expect(page.getByTestId("widget").locator("svg")).toBeVisible();
  await expect(page.getByTestId("widget")).toContainText("double cpu");

  // Reload shows the same view.
  await page.reload();
  await expect(page.getByTestId("widget")).toContainText("double cpu");
});

test("a dashboard's widget opens in the explorer and saves back in place", async ({ page }) => {
  await openExplorer(page);
  await buildCheckoutCpu(page);
  await page.getByTestId("widget-title").fill("Checkout CPU");
  await page.getByTestId("widget-title").press("Tab");
  await expect(page).toHaveURL(/Checkout%20CPU|Checkout\+CPU|Checkout%2520CPU/);
  await page.getByTestId("new-dashboard-title").fill("Edit in place");
  await page.getByRole("button", { name: "Add to dashboard" }).click();
  await expect(page).toHaveURL(/\/dashboards\/[0-9a-f-]{36}/);
  await waitForHydration(page);

  await page.getByRole("link", { name: "Edit Checkout CPU in the metrics explorer" }).click();
  await expect(page).toHaveURL(/metrics-explorer\?.*dashboard=/);
  await expect(page.getByTestId("query-row")).toHaveCount(1);
  await page.getByRole("combobox", { name: "Statistic of row 1" }).fill("p99");
  await page.getByRole("combobox", { name: "Statistic of row 1" }).press("Tab");
  await expect(page.getByTestId("code-view")).toHaveValue(/"stat": "p99"/);
  await page.getByRole("button", { name: /Save widget 1 of “Edit in place”/ }).click();
  await expect(page).toHaveURL(/\/dashboards\/[0-9a-f-]{36}/);
  await expect(page.getByTestId("widget")).toHaveCount(1);
  await expect(page.getByText(/version 2/)).toBeVisible();
});

for (const theme of ["light", "dark"]) {
  test(`the explorer passes axe in the ${theme} theme`, async ({ page }) => {
    await openExplorer(page);
    await buildCheckoutCpu(page);
    const url = new URL(page.url());
    await page.goto(`/prefs/theme?set=${theme}&next=${encodeURIComponent(url.pathname + url.search)}`);
    await expect(page.getByTestId("explorer-chart").locator("svg")).toBeVisible();
    await waitForHydration(page);
    await expectAccessible(page, `metrics explorer (${theme})`);
  });
}
