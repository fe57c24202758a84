// Admin → Connections: the demo world is there, "Test connection" reports per IAM action, a drill
// starts and ends; and every page of the shell passes axe-core's WCAG 2 A/AA rules in both themes.
import { expect, test } from "@playwright/test";
import { admin, expectAccessible, LoginPage, waitForHydration } from "./fixtures/pages";

test.use({ bypassCSP: true });

test("admin tests the demo connection and runs a drill", async ({ page }) => {
  await new LoginPage(page).goto("/admin/connections");
  await new LoginPage(page).signIn(admin.email, admin.password);
  await expect(page).toHaveURL(/\/admin\/connections/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Connections");
  const rows = page.getByTestId("connections");
  await expect(rows).toContainText("demo");
  await waitForHydration(page);

  await rows.getByRole("button", { name: "Test connection" }).first().click();
  const results = page.getByTestId("test-results");
  await expect(results).toContainText("logs:StartQuery", { timeout: 30_000 });
  await expect(results).toContainText("cloudwatch:GetMetricData");
  await expect(results.getByText("ok")).toHaveCount(await results.locator("tbody tr").count());

  await page.getByRole("button", { name: "Start drill" }).click();
  await expect(page.getByRole("status").filter({ hasText: "started" })).toBeVisible();
  await page.getByRole("button", { name: "End now" }).first().click();
  await expect(page.getByRole("status").filter({ hasText: "Drill ended." })).toBeVisible();
  await expectAccessible(page, "/admin/connections");
});

for (const theme of ["light", "dark"]) {
  test(`every shell page passes axe (WCAG 2 A/AA) in the ${theme} theme`, async ({ page }) => {
    await new LoginPage(page).goto("/dashboards");
    await new LoginPage(page).signIn(admin.email, admin.password);
    await expect(page).toHaveURL(/\/dashboards/);
    await page.goto(`/prefs/theme?set=${theme}&next=%2Fdashboards`);
    for (const path of ["/dashboards", "/explore", "/metrics-explorer", "/alarms", "/incidents", "/runbooks", "/queries", "/account", "/admin", "/admin/connections"]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      await waitForHydration(page);
      await expect(page).toHaveTitle(/· Watchpost$/);
      await expectAccessible(page, `${path} (${theme})`);
    }
  });
}
