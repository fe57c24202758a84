//! Admin → Connections: the data sources (AWS accounts and demo worlds), their settings, "Test
//! connection", and drills on demo worlds.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::api::connections::{
    admin_connections, list_drills, CreateConnection, EndDrill, RemoveConnection, StartDrill, TestConnection, UpdateConnection,
};
use crate::components::{done, loaded, outcome, time_or_never, PageHeader, Timestamp};
use crate::domain::connection::{AwsCredentialMode, ConnectionDetail, ConnectionSettings, DRILL_KINDS};
use crate::domain::ConnectionKind;

/// Its own chunk, fetched when an admin opens it.
pub struct ConnectionsRoute;

#[lazy_route]
impl LazyRoute for ConnectionsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ConnectionsPage /> }.into_any()
    }
}

const SERVICES: [&str; 8] = [
    "web",
    "api",
    "checkout",
    "worker",
    "ai-service",
    "image-resize",
    "order-events",
    "nightly-report",
];

#[component]
fn AwsFields(#[prop(optional)] current: Option<crate::domain::connection::AwsSettings>) -> impl IntoView {
    let (region, endpoint) = current
        .as_ref()
        .map(|a| (a.region.clone(), a.endpoint_url.clone().unwrap_or_default()))
        .unwrap_or_else(|| ("us-east-1".into(), String::new()));
    let (mode, profile, key, role) = match current.map(|a| a.credentials) {
        Some(AwsCredentialMode::Profile { profile }) => ("profile", profile, String::new(), String::new()),
        Some(AwsCredentialMode::StaticKeys { access_key_id }) => ("static_keys", String::new(), access_key_id, String::new()),
        Some(AwsCredentialMode::AssumeRole {
            role_arn, source_profile, ..
        }) => ("assume_role", source_profile.unwrap_or_default(), String::new(), role_arn),
        _ => ("default_chain", String::new(), String::new(), String::new()),
    };
    let modes = [
        ("default_chain", "Default credential chain (ECS task role, instance role, env, SSO)"),
        ("assume_role", "Assume a role"),
        ("profile", "Named profile"),
        ("static_keys", "Access key (stored encrypted)"),
    ];
    view! {
        <label>"Region" <input name="region" value=region required /></label>
        <label>"Credentials"
            <select name="mode">
                {modes.into_iter().map(|(v, label)| view! { <option value=v selected=v == mode>{label}</option> }).collect_view()}
            </select>
        </label>
        <label>"Role ARN" <input name="role_arn" value=role placeholder="arn:aws:iam::123456789012:role/watchpost-read" /></label>
        <label>"Profile" <input name="profile" value=profile placeholder="for profile mode, or a role's source profile" /></label>
        <label>"Access key id" <input name="access_key_id" value=key autocomplete="off" /></label>
        <label>"Secret access key"
            <input type="password" name="secret_access_key" autocomplete="new-password" placeholder="write-only; empty keeps the stored one" />
        </label>
        <label>"Endpoint URL" <input name="endpoint_url" value=endpoint placeholder="optional, https://…amazonaws.com" /></label>
    }
}

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let create = ServerAction::<CreateConnection>::new();
    let update = ServerAction::<UpdateConnection>::new();
    let remove = ServerAction::<RemoveConnection>::new();
    let test = ServerAction::<TestConnection>::new();
    let list = Resource::new(
        move || (create.version().get(), update.version().get(), remove.version().get()),
        |_| admin_connections(),
    );
    view! {
        <PageHeader title="Connections" />
        <p><a href="/admin">"← Admin"</a></p>
        <section class="panel">
            <h2>"Data sources"</h2>
            {done(update.value(), "Connection saved.")}
            {done(remove.value(), "Connection removed.")}
            {outcome(test.value(), |t| view! {
                <table class="data" data-testid="test-results">
                    <caption>{format!("Test connection: {}", t.connection)}</caption>
                    <thead><tr><th>"IAM action"</th><th>"Result"</th></tr></thead>
                    <tbody>
                        {t.checks.into_iter().map(|c| view! {
                            <tr>
                                <td><code>{c.action}</code></td>
                                <td>{match c.error {
                                    None => view! { <span class="ok">"ok"</span> }.into_any(),
                                    Some((code, message)) => view! { <span class="error">{format!("{code}: {message}")}</span> }.into_any(),
                                }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any())}
            {loaded(list, "Loading connections…", move |list| view! {
                <table class="data" data-testid="connections">
                    <thead><tr><th>"Slug"</th><th>"Name"</th><th>"Kind"</th><th>"Settings"</th><th>"Changed"</th><th>"Actions"</th></tr></thead>
                    <tbody>
                        {list.iter().cloned().map(|c| view! { <ConnectionRow c=c update=update remove=remove test=test /> }).collect_view()}
                    </tbody>
                </table>
                {list.into_iter().filter(|c| c.settings.kind() == ConnectionKind::Demo).map(|c| view! { <DrillsPanel c=c /> }).collect_view()}
            }.into_any())}
        </section>
        <section class="panel">
            <h2>"Add a connection"</h2>
            <p class="muted">"The slug is permanent: it goes into links, cache keys and saved widgets. Renaming changes the display name only."</p>
            <ActionForm action=create attr:class="stacked-form">
                <label>"Slug" <input name="id" required pattern="[a-z][a-z0-9-]{0,39}" placeholder="prod-eu" /></label>
                <label>"Display name" <input name="display_name" required maxlength="80" /></label>
                <label>"Kind"
                    <select name="kind">
                        <option value="aws" selected=true>"AWS account"</option>
                        <option value="demo">"Demo world (synthetic)"</option>
                    </select>
                </label>
                <fieldset>
                    <legend>"AWS settings (ignored for a demo world)"</legend>
                    <AwsFields />
                </fieldset>
                <button type="submit">"Add connection"</button>
            </ActionForm>
            {done(create.value(), "Connection added.")}
        </section>
    }
}

#[component]
fn ConnectionRow(
    c: ConnectionDetail,
    update: ServerAction<UpdateConnection>,
    remove: ServerAction<RemoveConnection>,
    test: ServerAction<TestConnection>,
) -> impl IntoView {
    let id = c.id.to_string();
    let (id_test, id_edit, id_remove) = (id.clone(), id.clone(), id.clone());
    let describe = c.settings.describe();
    let kind = c.settings.kind().as_str();
    let edit = match c.settings.clone() {
        ConnectionSettings::Aws(a) => view! { <AwsFields current=a /> }.into_any(),
        ConnectionSettings::Demo(d) => view! {
            <label><input type="checkbox" name="quotas" checked=d.quotas />" Enforce CloudWatch quotas"</label>
            <label>"Injected latency (ms)" <input type="number" name="latency_ms" min="0" max="30000" value=d.latency_ms.to_string() /></label>
            <label>"Injected error rate (0–1)" <input type="number" name="error_rate" min="0" max="1" step="0.01" value=d.error_rate.to_string() /></label>
            <label>"Volume" <input type="number" name="volume" min="0.1" max="100" step="0.1" value=d.volume.to_string() /></label>
        }
        .into_any(),
    };
    view! {
        <tr>
            <td><code>{id}</code></td>
            <td>{c.display_name.clone()}</td>
            <td>{kind}</td>
            <td>{describe}{c.has_secret.then_some(" · secret stored")}</td>
            <td><Timestamp ms=c.updated_at_ms /></td>
            <td>
                <ActionForm action=test attr:class="row-form">
                    <input type="hidden" name="id" value=id_test />
                    <button type="submit">"Test connection"</button>
                </ActionForm>
                <details>
                    <summary>"Edit"</summary>
                    <ActionForm action=update attr:class="stacked-form">
                        <input type="hidden" name="id" value=id_edit />
                        <label>"Display name" <input name="display_name" value=c.display_name.clone() required maxlength="80" /></label>
                        {edit}
                        <button type="submit">"Save"</button>
                    </ActionForm>
                </details>
                <ActionForm action=remove attr:class="row-form">
                    <input type="hidden" name="id" value=id_remove />
                    <button type="submit" class="danger">"Remove"</button>
                </ActionForm>
            </td>
        </tr>
    }
}

#[component]
fn DrillsPanel(c: ConnectionDetail) -> impl IntoView {
    let start = ServerAction::<StartDrill>::new();
    let end = ServerAction::<EndDrill>::new();
    let id = c.id.to_string();
    let for_list = id.clone();
    let drills = Resource::new(
        move || (start.version().get(), end.version().get()),
        move |_| list_drills(for_list.clone()),
    );
    let heading = format!("Drills on {}", c.display_name);
    let end_id = id.clone();
    view! {
        <h3>{heading}</h3>
        <p class="muted">"A drill plays a failure through metrics, logs, alarms and alarm history from now on, for every viewer on every replica, so a team can practise detection."</p>
        <ActionForm action=start attr:class="inline-form">
            <input type="hidden" name="connection" value=id />
            <label>"Failure"
                <select name="kind">
                    {DRILL_KINDS.into_iter().map(|(k, label)| view! { <option value=k>{label}</option> }).collect_view()}
                </select>
            </label>
            <label>"Target"
                <select name="service">
                    {SERVICES.into_iter().map(|s| view! { <option value=s selected=s == "checkout">{s}</option> }).collect_view()}
                </select>
            </label>
            <label>"Minutes" <input type="number" name="minutes" value="30" min="1" max="1440" /></label>
            <button type="submit">"Start drill"</button>
        </ActionForm>
        {outcome(start.value(), |d| view! { <p class="alert ok" role="status">{format!("Drill {} on {} started.", d.kind, d.service)}</p> }.into_any())}
        {done(end.value(), "Drill ended.")}
        {loaded(drills, "Loading drills…", move |list| {
            if list.is_empty() {
                return view! { <p class="muted">"No drills yet."</p> }.into_any();
            }
            let end_id = end_id.clone();
            view! {
                <table class="data">
                    <thead><tr><th>"Failure"</th><th>"Target"</th><th>"Started"</th><th>"Planned end"</th><th>"Ended"</th><th>"By"</th><th>"Action"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|d| {
                            let end_id = end_id.clone();
                            let running = d.running;
                            view! {
                                <tr>
                                    <td>{d.kind.clone()}</td>
                                    <td>{d.service.clone()}</td>
                                    <td><Timestamp ms=d.started_at_ms /></td>
                                    <td><Timestamp ms=d.ends_at_ms /></td>
                                    <td>{time_or_never(d.ended_at_ms)}</td>
                                    <td>{d.started_by.clone().unwrap_or_default()}</td>
                                    <td>{running.then(|| view! {
                                        <ActionForm action=end attr:class="row-form">
                                            <input type="hidden" name="connection" value=end_id.clone() />
                                            <input type="hidden" name="drill" value=d.id.clone() />
                                            <button type="submit">"End now"</button>
                                        </ActionForm>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        })}
    }
}
