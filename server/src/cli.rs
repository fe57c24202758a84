//! `watchpost <subcommand>`: serve (the default), migrate, create-user, create-token, insights.

use clap::{Parser, Subcommand};
use leptos::config::get_configuration;
use tokio::net::TcpListener;

use app::backend::audit::Actor;
use app::backend::auth::random_secret;
use app::backend::{tokens, users};
use app::domain::user::{parse_display_name, parse_new_password, CurrentUser};
use app::domain::{Email, Role, UserId};

use crate::config::Config;
use crate::startup::{self, anyhow_free::Result, RouterParts, MIGRATOR};

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
        Command::Migrate => {
            let db = startup::connect(&config).await?;
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
            let db = startup::connect(&config).await?;
            MIGRATOR.run(&db).await?;
            let email: Email = email.parse()?;
            let display_name = parse_display_name(
                name.as_deref()
                    .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("user")),
            )?;
            let (password, generated) = match password {
                Some(p) => (parse_new_password(&p)?, false),
                None => (random_secret(16), true),
            };
            let new = users::NewUser {
                email: email.clone(),
                display_name,
                role: role.parse()?,
                password: password.clone(),
            };
            users::create(&db, &Actor::system(), new).await?;
            println!("created {email}");
            if generated {
                println!("password (shown once): {password}");
            }
            Ok(())
        }
        Command::CreateToken {
            email,
            name,
            role,
            expires_in_days,
        } => {
            let db = startup::connect(&config).await?;
            MIGRATOR.run(&db).await?;
            let email: Email = email.parse()?;
            let row = sqlx::query_as::<_, (uuid::Uuid, String, String, String)>(
                "SELECT id, email, display_name, role FROM users WHERE email = $1 AND active",
            )
            .bind(email.as_str())
            .fetch_optional(&db)
            .await?
            .ok_or_else(|| format!("no active account for {email}"))?;
            let owner = CurrentUser {
                id: UserId(row.0),
                email: row.1,
                display_name: row.2,
                role: row.3.parse()?,
            };
            let role: Role = match role {
                Some(r) => r.parse()?,
                None => owner.role,
            };
            let name = tokens::parse_name(&name)?;
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
    let db = startup::connect(&config)
        .await
        .map_err(|e| format!("cannot reach the database: {e}"))?;
    MIGRATOR.run(&db).await.map_err(|e| format!("cannot apply migrations: {e}"))?;
    ensure_first_admin(&db, &config).await?;
    startup::spawn_upkeep(db.clone(), config.settings.session_idle);
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
    let app = startup::router(
        db,
        RouterParts {
            leptos_options,
            settings: config.settings.clone(),
            cookie_secure: config.cookie_secure,
            public_url: config.public_url.clone(),
        },
    );
    tracing::info!(address = %config.bind, "Watchpost is listening on http://{}", config.bind);
    startup::serve(listener, app).await?;
    Ok(())
}

/// With WATCHPOST_ADMIN_EMAIL set, that admin exists (password from WATCHPOST_ADMIN_PASSWORD, or
/// generated and printed once). Without it, a first admin is created only on an empty database.
async fn ensure_first_admin(db: &sqlx::PgPool, config: &Config) -> Result<()> {
    let email = match &config.admin_email {
        Some(e) => e.clone(),
        None if users::any_admin(db).await? => return Ok(()),
        None => "admin@watchpost.local".parse()?,
    };
    let password = config.admin_password.as_ref().map(|p| p.expose().to_string());
    if let Some(p) = &password {
        parse_new_password(p)?;
    }
    if let Some(generated) = users::ensure_admin(db, &email, password).await? {
        // Printed, not logged: it must not end up in a log store.
        println!("\n  First admin account: {email}\n  Password (shown once): {generated}\n");
    }
    Ok(())
}
