// Admin → Usage: an admin opens the page from the admin section, sees its heading and either the
// empty state or the numbers, changes the filters with the keyboard alone (the URL keeps them),
// and the page passes axe-core's WCAG 2 A/AA rules in both themes.
import { expect, test, type Page } from "@playwright/test";
import { admin, expectAccessible, LoginPage, waitForHydration } from "./fixtures/pages";

test.use({ bypassCSP: true });

/** What the Usage page shows once loaded: the empty state, or the per-day table and the chart. */
async function expectUsageOrEmptyState(page: Page) {
  const empty = page.getByTestId("usage-empty");
  const rows = page.getByTestId("usage-rows");
  await expect(empty.or(rows)).toBeVisible();
  if (await empty.isVisible()) {
    await expect(empty).toContainText("No upstream calls recorded in this range");
  } else {
    await expect(rows.locator("tbody tr").first()).toBeVisible();
    await expect(page.getByRole("img", { name: "Estimated cost per day, by connection" })).toBeVisible();
    await expect(page.getByTestId("usage-totals")).toContainText("Estimated cost");
  }
}

test("an admin reads usage and changes the filters with the keyboard", async ({ page }) => {
  await new LoginPage(page).goto("/admin");
  await new LoginPage(page).signIn(admin.email, admin.password);
  await expect(page).toHaveURL(/\/admin$/);
  await waitForHydration(page);
  await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: /Usage/ }).click();
  await expect(page).toHaveURL(/\/admin\/usage/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Usage");
  await expect(page).toHaveTitle("Usage · Watchpost");
  await expectUsageOrEmptyState(page);
  await waitForHydration(page);

  // Both filters are labelled and reachable with Tab; Enter on the button applies them. (The
  // shell's header has a connection picker of its own: these are the page's, in <main>.)
  const main = page.getByRole("main");
  const connection = main.getByTestId("usage-connection");
  const range = main.getByTestId("usage-days-filter");
  await expect(connection).toHaveValue("");
  await expect(range).toHaveValue("7");
  await connection.focus();
  await expect(connection).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(range).toBeFocused();
  await range.selectOption("30");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Show usage" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/[?&]days=30(&|$)/);
  await expect(page.getByTestId("usage-period")).toBeVisible();
  await expect(range).toHaveValue("30");
  await expectUsageOrEmptyState(page);

  // The URL is the view: opened afresh, it shows the same filter.
  await page.goto("/admin/usage?days=30&connection=demo");
  await expect(main.getByTestId("usage-days-filter")).toHaveValue("30");
  await expect(main.getByTestId("usage-connection")).toHaveValue("demo");
  await expectUsageOrEmptyState(page);
});

for (const theme of ["light", "dark"]) {
  test(`the usage page passes axe (WCAG 2 A/AA) in the ${theme} theme`, async ({ page }) => {
    await new LoginPage(page).goto("/admin/usage");
    await new LoginPage(page).signIn(admin.email, admin.password);
    await expect(page).toHaveURL(/\/admin\/usage/);
    await page.goto(`/prefs/theme?set=${theme}&next=%2Fadmin%2Fusage`);
    for (const path of ["/admin/usage", "/admin/usage?days=30"]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Usage");
      await waitForHydration(page);
      await expectUsageOrEmptyState(page);
      await expectAccessible(page, `${path} (${theme})`);
    }
  });
}
