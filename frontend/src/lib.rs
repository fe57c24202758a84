#![recursion_limit = "512"]

//! The browser entry point: hydrates the server-rendered page. Nothing else belongs here.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes (admin, account) load their WASM chunks while hydrating.
    leptos::mount::hydrate_lazy(app::App);
}
