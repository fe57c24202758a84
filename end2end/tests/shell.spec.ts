import { expect, test } from "@playwright/test";
import { admin, LoginPage, Shell, waitForHydration } from "./fixtures/pages";

test("a wrong password is explained and keeps the email", async ({ page }) => {
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(admin.email, "not the password");
  await login.expectError("Wrong email or password");
  await expect(page.getByLabel("Email")).toHaveValue(admin.email);
});

test("sign in, see the shell, change the time range, reload, sign out", async ({ page }) => {
  const login = new LoginPage(page);
  await page.goto("/explore?from=now-3h");
  await expect(page).toHaveURL(/\/login\?next=/);
  await login.signIn(admin.email, admin.password);

  await expect(page).toHaveURL(/\/explore\?from=now-3h/);
  const shell = new Shell(page);
  await expect(shell.heading()).toHaveText("Explore");
  await expect(shell.nav().getByRole("link", { name: "Dashboards" })).toBeVisible();
  await expect(shell.nav().getByRole("link", { name: "Admin" })).toBeVisible();
  await expect(shell.timeRangeButton()).toContainText("Last 3 hours");
  await waitForHydration(page);

  // A quick range is a client-side navigation: the URL carries the state.
  await shell.chooseQuickRange("Last 15 minutes");
  await expect(page).toHaveURL(/from=now-15m/);
  await expect(shell.timeRangeButton()).toContainText("Last 15 minutes");
  await expect(page.getByTestId("shell-state")).toContainText("Last 15 minutes");

  // Navigation keeps it; reload keeps it; back undoes it.
  await shell.nav().getByRole("link", { name: "Incidents" }).click();
  await expect(page).toHaveURL(/\/incidents\?from=now-15m/);
  await page.reload();
  await expect(shell.heading()).toHaveText("Incidents");
  await expect(shell.timeRangeButton()).toContainText("Last 15 minutes");
  await page.goBack();
  await expect(page).toHaveURL(/\/explore\?from=now-15m/);

  // A custom absolute range in UTC.
  await waitForHydration(page);
  await shell.openTimePicker();
  await page.getByTestId("range-from").fill("2026-11-20T08:00");
  await page.getByTestId("range-to").fill("2026-11-20T09:30");
  await page.getByTestId("range-apply").click();
  await expect(page).toHaveURL(/from=2026-11-20T08%3A00/);
  await expect(shell.timeRangeButton()).toContainText("2026-11-20T08:00");

  await shell.signOut();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/dashboards");
  await expect(page).toHaveURL(/\/login\?next=/);
});

test("an unknown page says so", async ({ page }) => {
  await new LoginPage(page).goto();
  await new LoginPage(page).signIn(admin.email, admin.password);
  const res = await page.goto("/no/such/page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("admins manage people from the admin page", async ({ page }) => {
  const login = new LoginPage(page);
  await login.goto("/admin");
  await login.signIn(admin.email, admin.password);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Admin");
  await waitForHydration(page);
  const email = `person-${Date.now()}@example.com`;
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Name", { exact: true }).fill("A Person");
  await page.getByRole("button", { name: "Add person" }).click();
  await expect(page.getByTestId("generated-password")).toBeVisible();
  await expect(page.getByRole("cell", { name: email })).toBeVisible();
  await expect(page.getByTestId("audit-log")).toContainText("auth.sign_in");
});

test("the admin and account pages load as chunks on client-side navigation", async ({ page }) => {
  const login = new LoginPage(page);
  await login.goto("/dashboards");
  await login.signIn(admin.email, admin.password);
  await waitForHydration(page);
  const shell = new Shell(page);
  await shell.nav().getByRole("link", { name: "Admin" }).click();
  await expect(shell.heading()).toHaveText("Admin");
  await expect(page.getByRole("heading", { name: "People" })).toBeVisible();
  await page.getByTestId("user-menu").click();
  await page.getByRole("link", { name: "Account and tokens" }).click();
  await expect(shell.heading()).toHaveText("Account");
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
});

test.describe("times in the zone the viewer chose", () => {
  test.use({ timezoneId: "Asia/Kolkata" });

  test("local shows the browser's zone with its offset, UTC says UTC", async ({ page }) => {
    const login = new LoginPage(page);
    await login.goto("/account?tz=local");
    await login.signIn(admin.email, admin.password);
    await waitForHydration(page);
    const stamp = page.locator("table time").first();
    await expect(stamp).toContainText("(UTC+05:30)");
    await page.goto("/account?tz=utc");
    await waitForHydration(page);
    await expect(page.locator("table time").first()).toContainText(" UTC");
    await expect(page.locator("table time").first()).not.toContainText("+05:30");
  });
});
