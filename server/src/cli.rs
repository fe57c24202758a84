//! `watchpost <subcommand>`: serve (the default), migrate, create-user, create-token, insights,
//! bench.

use clap::{Parser, Subcommand};
use leptos::config::get_configuration;
use tokio::net::TcpListener;

use app::backend::audit::Actor;
use app::backend::db::MIGRATOR;
use app::backend::identity::password::generated_password;
use app::backend::identity::{tokens, users, PasswordHasher};
use app::domain::{DisplayName, Email, NewPassword, Role, TokenName};

use crate::config::Config;
// `server/src/bench.rs` (declared here rather than in `lib.rs`).
#[path = "bench.rs"]
pub mod bench;
use crate::routes::RouterParts;
use crate::startup::{self, anyhow_free::Result};

#[derive(Debug, Parser)]
#[command(name = "watchpost", version, about = "Monitoring and incident investigation on Amazon CloudWatch")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, make sure an admin exists, and serve the web app (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create an account (prints a generated password once when none is given).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "viewer")]
        role: String,
        #[arg(long)]
        name: Option<String>,
        /// Read from the environment so it stays out of shell history.
        #[arg(long, env = "WATCHPOST_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Run a CloudWatch Logs Insights query over local log files (or standard input).
    Insights {
        /// A log file: `aws logs filter-log-events` output, JSON lines or plain text. Repeatable.
        #[arg(long = "file", value_name = "PATH")]
        files: Vec<std::path::PathBuf>,
        /// table, json or csv.
        #[arg(long, default_value = "table")]
        format: String,
        /// Only events at or after this time (ISO 8601 or epoch ms).
        #[arg(long)]
        start: Option<String>,
        /// Only events before this time (ISO 8601 or epoch ms).
        #[arg(long)]
        end: Option<String>,
        /// Check the query and print its errors with a caret under each; exit 1 when invalid.
        #[arg(long)]
        check: bool,
        /// The query, e.g. 'filter level = "error" | stats count(*) by route'.
        query: String,
    },
    /// Manage data connections (AWS accounts, demo worlds) for scripted set-up.
    Connections {
        #[command(subcommand)]
        command: ConnectionsCommand,
    },
    /// Create a personal API token for an account and print it once.
    CreateToken {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Defaults to the owner's role; can only be lower.
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// Dashboards in and out as CloudWatch dashboard-body JSON.
    Dashboards {
        #[command(subcommand)]
        command: DashboardsCommand,
    },
    /// Benchmarks of the proxy (issue 8) against the real server started in-process on a free
    /// loopback port, over a fresh database `watchpost_bench_<random>` created on the server of
    /// DATABASE_URL (dropped at the end), with the built-in demo connection (quotas on).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DashboardsCommand {
    /// Import a CloudWatch dashboard body (a file, or `-` for standard input); prints the new
    /// dashboard's id.
    Import {
        file: std::path::PathBuf,
        /// Defaults to the file's name.
        #[arg(long)]
        title: Option<String>,
        /// The connection its widgets read from.
        #[arg(long, default_value = "demo")]
        connection: String,
        #[arg(long, default_value = "")]
        folder: String,
        #[arg(long, default_value = "")]
        tags: String,
    },
    /// Print a dashboard's body as CloudWatch dashboard-body JSON (for PutDashboard).
    Export { id: String },
    /// List dashboards: id, version, folder, title.
    List,
}

async fn dashboards_command(command: DashboardsCommand, config: &Config) -> Result<()> {
    use app::backend::dashboards::{self, body, NewDashboard};
    use app::domain::dashboard::DashboardMeta;
    use app::domain::{ConnectionId, DashboardId};
    let db = startup::connect(&config.database).await?;
    MIGRATOR.run(&db).await?;
    match command {
        DashboardsCommand::Import {
            file,
            title,
            connection,
            folder,
            tags,
        } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
            };
            let title = title.unwrap_or_else(|| {
                file.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "Imported".into())
            });
            let new = NewDashboard {
                meta: DashboardMeta::parse(&title, "", &tags, &folder)?,
                connection: connection.parse::<ConnectionId>()?,
                body: body::normalise_text(&text)?,
                origin: None,
            };
            let id = dashboards::create(&db, &Actor::system(), &new)
                .await?
                .ok_or("that dashboard exists already")?;
            println!("{id}");
        }
        DashboardsCommand::Export { id } => {
            let id: DashboardId = id.parse()?;
            let doc = dashboards::get(&db, id).await?.ok_or_else(|| format!("no dashboard {id}"))?;
            println!("{}", body::export_text(&doc.body)?);
        }
        DashboardsCommand::List => {
            for d in dashboards::list(&db, None).await? {
                println!("{}\tv{}\t{}\t{}", d.id, d.version, d.folder, d.title);
            }
        }
    }
    Ok(())
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum ConnectionsCommand {
    /// Add a connection. AWS credential modes: default_chain (ECS task role, instance role, env,
    /// SSO), profile, assume_role, static_keys (secret from WATCHPOST_AWS_SECRET_ACCESS_KEY,
    /// stored encrypted with WATCHPOST_SECRET_KEY).
    Add {
        /// The permanent slug (`prod-eu`).
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// aws or demo.
        #[arg(long, default_value = "aws")]
        kind: String,
        #[arg(long, default_value = "us-east-1")]
        region: String,
        #[arg(long, default_value = "default_chain")]
        mode: String,
        #[arg(long, default_value = "")]
        profile: String,
        #[arg(long, default_value = "")]
        role_arn: String,
        #[arg(long, default_value = "")]
        access_key_id: String,
        #[arg(long, env = "WATCHPOST_AWS_SECRET_ACCESS_KEY", hide_env_values = true, default_value = "")]
        secret_access_key: String,
        #[arg(long, default_value = "")]
        endpoint_url: String,
    },
    /// List connections.
    List,
    /// Remove a connection (its drills and recorded alarm actions go with it).
    Remove {
        #[arg(long)]
        id: String,
    },
    /// Call each API read-only and report per IAM action; exit 1 when any failed.
    Test {
        #[arg(long)]
        id: String,
    },
}

async fn connections_command(command: ConnectionsCommand, config: &Config) -> Result<()> {
    use app::backend::sources::connections;
    use app::domain::connection::AwsForm;
    use app::domain::{ConnectionId, ConnectionKind};
    let db = startup::connect(&config.database).await?;
    MIGRATOR.run(&db).await?;
    let telemetry = startup::telemetry(&db, &config.sources).await?;
    match command {
        ConnectionsCommand::Add {
            id,
            name,
            kind,
            region,
            mode,
            profile,
            role_arn,
            access_key_id,
            secret_access_key,
            endpoint_url,
        } => {
            let id: ConnectionId = id.parse()?;
            match kind.parse::<ConnectionKind>()? {
                ConnectionKind::Demo => connections::create_demo(&db, &Actor::system(), &id, &name).await?,
                ConnectionKind::Aws => {
                    let form = AwsForm {
                        region,
                        mode,
                        profile,
                        access_key_id,
                        secret_access_key,
                        role_arn,
                        endpoint_url,
                    };
                    connections::create_aws(&db, &Actor::system(), telemetry.policy(), telemetry.cipher(), &id, &name, &form).await?
                }
            }
            println!("added {id}");
        }
        ConnectionsCommand::List => {
            for c in connections::list(&db).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    c.id,
                    c.settings.kind().as_str(),
                    c.display_name,
                    c.settings.describe()
                );
            }
        }
        ConnectionsCommand::Remove { id } => {
            let id: ConnectionId = id.parse()?;
            connections::remove(&db, &Actor::system(), &id).await?;
            println!("removed {id}");
        }
        ConnectionsCommand::Test { id } => {
            let id: ConnectionId = id.parse()?;
            let checks = telemetry.system_conn(&id).await?.test().await;
            let mut failed = 0;
            for c in &checks {
                match &c.error {
                    None => println!("ok      {}", c.action),
                    Some((code, message)) => {
                        failed += 1;
                        println!("FAILED  {}  {code}: {message}", c.action);
                    }
                }
            }
            if failed > 0 {
                return Err(format!("{failed} of {} checks failed", checks.len()).into());
            }
        }
    }
    Ok(())
}

/// `watchpost insights`: needs no database, configuration or runtime; returns the exit code.
pub fn run_insights(command: Command) -> i32 {
    let Command::Insights {
        files,
        format,
        start,
        end,
        check,
        query,
    } = command
    else {
        eprintln!("watchpost: not an insights command");
        return 2;
    };
    let format = match format.parse() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("watchpost insights: {e}");
            return 2;
        }
    };
    let args = insights::cli::CliArgs {
        files,
        format,
        start,
        end,
        check,
        query,
    };
    insights::cli::run_cli(args, std::io::stdin().lock(), std::io::stdout().lock(), std::io::stderr().lock())
}

pub async fn run(cli: Cli, config: Config) -> Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Insights { .. } => Err("`insights` runs without the server set-up".into()),
        Command::Serve => serve(config).await,
        Command::Connections { command } => connections_command(command, &config).await,
        Command::Bench { command } => bench::run(command, config).await,
        Command::Dashboards { command } => dashboards_command(command, &config).await,
        Command::Migrate => {
            let db = startup::connect(&config.database).await?;
            MIGRATOR.run(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::CreateUser {
            email,
            role,
            name,
            password,
        } => {
            let db = startup::connect(&config.database).await?;
            MIGRATOR.run(&db).await?;
            let email: Email = email.parse()?;
            let display_name = match name {
                Some(n) => n.parse()?,
                None => DisplayName::from_email(&email),
            };
            let (password, generated) = match password {
                Some(p) => (p.parse::<NewPassword>()?, false),
                None => (generated_password(), true),
            };
            let new = users::NewUser {
                email: email.clone(),
                display_name,
                role: role.parse()?,
                password: password.clone(),
            };
            let hasher = PasswordHasher::new(config.identity.max_concurrent_hashes);
            users::create(&db, &hasher, &Actor::system(), new).await?;
            println!("created {email}");
            if generated {
                println!("password (shown once): {}", password.expose());
            }
            Ok(())
        }
        Command::CreateToken {
            email,
            name,
            role,
            expires_in_days,
        } => {
            let db = startup::connect(&config.database).await?;
            MIGRATOR.run(&db).await?;
            let email: Email = email.parse()?;
            let owner = users::active_by_email(&db, &email)
                .await?
                .ok_or_else(|| format!("no active account for {email}"))?;
            let role: Role = match role {
                Some(r) => r.parse()?,
                None => owner.role,
            };
            let name: TokenName = name.parse()?;
            let token = tokens::create(&db, &Actor::system(), &owner, name, role, expires_in_days).await?;
            println!("{}", token.secret);
            Ok(())
        }
    }
}

async fn serve(config: Config) -> Result<()> {
    let mut leptos_options = get_configuration(None)?.leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = "watchpost".into();
    }
    let db = startup::connect(&config.database)
        .await
        .map_err(|e| format!("cannot reach the database: {e}"))?;
    MIGRATOR.run(&db).await.map_err(|e| format!("cannot apply migrations: {e}"))?;
    let telemetry = startup::telemetry(&db, &config.sources).await?;
    startup::spawn_alarm_bookkeeping(telemetry.clone());
    let state = startup::state(leptos_options, db.clone(), config.identity.clone(), telemetry);
    ensure_first_admin(&db, state.identity.hasher(), &config).await?;
    startup::spawn_upkeep(db, config.identity.sessions.idle);
    let bind = config.http.bind;
    let listener = TcpListener::bind(bind).await.map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let app = startup::router(
        state,
        RouterParts {
            public_url: config.http.public_url.clone(),
            trusted_proxies: config.http.trusted_proxies,
        },
    );
    tracing::info!(address = %bind, "Watchpost is listening on http://{bind}");
    startup::serve(listener, app).await?;
    Ok(())
}

/// With WATCHPOST_ADMIN_EMAIL set, that admin exists (password from WATCHPOST_ADMIN_PASSWORD, or
/// generated and printed once). Without it, a first admin is created only on an empty database.
async fn ensure_first_admin(db: &sqlx::PgPool, hasher: &PasswordHasher, config: &Config) -> Result<()> {
    let email = match &config.first_admin.email {
        Some(e) => e.clone(),
        None if users::any_admin(db).await? => return Ok(()),
        None => "admin@watchpost.local".parse()?,
    };
    let password = config.first_admin.password()?;
    if let Some(generated) = users::ensure_admin(db, hasher, &email, password).await? {
        // Printed, not logged, so it stays out of the log store — but stdout of a container is
        // often collected too (on ECS, into CloudWatch Logs): set WATCHPOST_ADMIN_PASSWORD there.
        println!(
            "\n  First admin account: {email}\n  Password (shown once): {}\n",
            generated.expose()
        );
    }
    Ok(())
}
