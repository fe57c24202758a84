// With JavaScript off, everything here is server-rendered HTML: proof that SSR works alone.
import { expect, test } from "@playwright/test";
import { admin, LoginPage, Shell } from "./fixtures/pages";

test("without JavaScript: sign in, the shell renders, the time range works through links", async ({ page }) => {
  const login = new LoginPage(page);
  await page.goto("/dashboards");
  await expect(page).toHaveURL(/\/login\?next=%2Fdashboards/);
  await login.signIn(admin.email, admin.password);
  await expect(page).toHaveURL(/\/dashboards$/);
  const shell = new Shell(page);
  await expect(shell.heading()).toHaveText("Dashboards");
  await expect(shell.timeRangeButton()).toContainText("Last 1 hour");

  await shell.chooseQuickRange("Last 1 day");
  await expect(page).toHaveURL(/from=now-1d/);
  await expect(shell.timeRangeButton()).toContainText("Last 1 day");
  await page.reload();
  await expect(shell.timeRangeButton()).toContainText("Last 1 day");

  await shell.signOut();
  await expect(page).toHaveURL(/\/login$/);
});
