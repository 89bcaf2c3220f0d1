//! Organiser accounts: creation, login with throttling, sessions, and the
//! one-time setup link of a new installation.
//!
//! Login throttling is kept in the database, not in process memory: with
//! several instances behind a load balancer, per-instance counters would
//! multiply the allowed guesses by the number of instances.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr,
};
use uuid::Uuid;

use crate::db::{
    self,
    entities::{login_attempt, organiser, organiser_session, setup_token},
};
use crate::domain::email::EmailAddress;
use crate::domain::role::Role;
use crate::domain::token::ManageToken;
use crate::services::audit;

/// Failed logins for one account within the window before it is throttled.
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
/// Failed logins from one address within the window before it is throttled.
pub const MAX_FAILURES_PER_IP: u64 = 20;
/// How far back failed logins count.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// How long a setup link works.
pub const SETUP_LINK_VALIDITY: Duration = Duration::hours(24);

/// How long a session lasts.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub idle: Duration,
    pub absolute: Duration,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the email address is not valid")]
    InvalidEmail,
    #[error("the name is missing")]
    MissingName,
    #[error("the password must be at least 12 characters")]
    WeakPassword,
    #[error("an account with this email already exists")]
    Exists,
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Hashes a password with argon2id, off the async threads (it is slow on
/// purpose).
async fn hash_password(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .map_err(|e| AccountError::Hashing(e.to_string()))
}

/// The logged-in organiser.
#[derive(Debug, Clone)]
pub struct CurrentOrganiser {
    pub account: organiser::Model,
    pub role: Role,
}

/// Creates an account (from the command line, or the first admin).
pub async fn create(
    db: &DatabaseConnection,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
    now: DateTime<Utc>,
) -> Result<organiser::Model, AccountError> {
    create_by(db, None, email, name, role, password, now).await
}

/// Creates an account; when an admin does it, the audit entry is written in
/// the same transaction.
pub async fn create_by(
    db: &DatabaseConnection,
    by: Option<&organiser::Model>,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
    now: DateTime<Utc>,
) -> Result<organiser::Model, AccountError> {
    let checked = check_new_account(email, name, password).await?;
    let txn = db::begin_write(db).await?;
    let created = insert_account(&txn, checked, role, now).await?;
    if let Some(by) = by {
        audit::record(
            &txn,
            by,
            "account.create",
            &created.email,
            role.as_str(),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(created)
}

/// A new account's checked email and name, and its password's hash.
struct NewAccount {
    email: EmailAddress,
    name: String,
    password_hash: String,
}

/// Checks a new account's fields and hashes its password. Hashing is slow
/// on purpose, so it is done before any write transaction begins.
async fn check_new_account(
    email: &str,
    name: &str,
    password: &str,
) -> Result<NewAccount, AccountError> {
    let email = EmailAddress::parse(email).ok_or(AccountError::InvalidEmail)?;
    let name = name.trim();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(AccountError::MissingName);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword);
    }
    Ok(NewAccount {
        email,
        name: name.to_owned(),
        password_hash: hash_password(password.to_owned()).await?,
    })
}

/// Inserts a checked account, unless its address has one already.
async fn insert_account(
    txn: &impl ConnectionTrait,
    new: NewAccount,
    role: Role,
    now: DateTime<Utc>,
) -> Result<organiser::Model, AccountError> {
    let existing = organiser::Entity::find()
        .filter(organiser::Column::Email.eq(new.email.normalized()))
        .count(txn)
        .await?;
    if existing > 0 {
        return Err(AccountError::Exists);
    }
    let model = organiser::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(new.email.normalized().to_owned()),
        name: Set(new.name),
        role: Set(role),
        password_hash: Set(new.password_hash),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok(organiser::Entity::insert(model)
        .exec_with_returning(txn)
        .await?)
}

/// The result of a login attempt.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Logged in: the session token for the cookie.
    LoggedIn(ManageToken),
    /// Wrong email or password; which one is never said.
    Refused,
    /// Too many failures for this account or address; try later.
    Throttled,
}

async fn recent_failures(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    login_attempt::Entity::find()
        .filter(login_attempt::Column::Key.eq(key))
        .filter(login_attempt::Column::AttemptedAt.gt(now - THROTTLE_WINDOW))
        .count(db)
        .await
}

async fn record_failure(
    db: &impl ConnectionTrait,
    key: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::Key.eq(key.clone()))
        .filter(login_attempt::Column::AttemptedAt.lt(now - THROTTLE_WINDOW))
        .exec(db)
        .await?;
    login_attempt::ActiveModel {
        key: Set(key),
        attempted_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A real argon2id hash of a random password, checked when the email is
/// unknown, so that an unknown email costs the same time as a wrong password
/// and does not reveal which accounts exist.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    password_auth::generate_hash(ManageToken::generate().as_link_part())
});

/// Checks a login and opens a session.
pub async fn login(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<LoginOutcome, DbErr> {
    let email = crate::domain::email::lookup_form(email);
    let email_key = format!("email:{email}");
    let ip_key = format!("ip:{ip}");
    if recent_failures(db, &email_key, now).await? >= MAX_FAILURES_PER_ACCOUNT
        || recent_failures(db, &ip_key, now).await? >= MAX_FAILURES_PER_IP
    {
        return Ok(LoginOutcome::Throttled);
    }
    let account = organiser::Entity::find()
        .filter(organiser::Column::Email.eq(&email))
        .one(db)
        .await?;
    let hash = account
        .as_ref()
        .map_or_else(|| DUMMY_HASH.clone(), |a| a.password_hash.clone());
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || {
        password_auth::verify_password(password, &hash).is_ok()
    })
    .await
    .unwrap_or(false);
    match account {
        Some(account) if matches => {
            login_attempt::Entity::delete_many()
                .filter(login_attempt::Column::Key.eq(email_key))
                .exec(db)
                .await?;
            Ok(LoginOutcome::LoggedIn(
                open_session(db, account.id, now).await?,
            ))
        }
        _ => {
            record_failure(db, email_key, now).await?;
            record_failure(db, ip_key, now).await?;
            Ok(LoginOutcome::Refused)
        }
    }
}

/// Opens a session for an account; the cookie holds the token, the database
/// its SHA-256, so any instance can serve any request.
pub async fn open_session(
    db: &impl ConnectionTrait,
    organiser_id: Uuid,
    now: DateTime<Utc>,
) -> Result<ManageToken, DbErr> {
    let token = ManageToken::generate();
    organiser_session::ActiveModel {
        id_hash: Set(token.hash()),
        organiser_id: Set(organiser_id),
        created_at: Set(now),
        last_seen_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The account behind a session token, if the session is alive. Touches the
/// session (at most once a minute, to spare the database).
pub async fn session_account(
    db: &impl ConnectionTrait,
    token: &str,
    limits: SessionLimits,
    now: DateTime<Utc>,
) -> Result<Option<organiser::Model>, DbErr> {
    let Some(token) = ManageToken::parse(token) else {
        return Ok(None);
    };
    let Some(session) = organiser_session::Entity::find_by_id(token.hash())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if now - session.last_seen_at > limits.idle || now - session.created_at > limits.absolute {
        organiser_session::Entity::delete_by_id(session.id_hash)
            .exec(db)
            .await?;
        return Ok(None);
    }
    if now - session.last_seen_at > Duration::minutes(1) {
        organiser_session::Entity::update_many()
            .col_expr(organiser_session::Column::LastSeenAt, Expr::value(now))
            .filter(organiser_session::Column::IdHash.eq(session.id_hash.clone()))
            .exec(db)
            .await?;
    }
    organiser::Entity::find_by_id(session.organiser_id)
        .one(db)
        .await
}

/// Ends a session.
pub async fn logout(db: &impl ConnectionTrait, token: &str) -> Result<(), DbErr> {
    if let Some(token) = ManageToken::parse(token) {
        organiser_session::Entity::delete_by_id(token.hash())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Whether any account exists.
pub async fn any_account(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(organiser::Entity::find().count(db).await? > 0)
}

/// On a new installation (no accounts), issues a one-time setup link valid
/// for 24 hours and returns its token; `None` once an account exists.
pub async fn issue_setup_link(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Option<ManageToken>, DbErr> {
    if any_account(db).await? {
        return Ok(None);
    }
    let token = ManageToken::generate();
    setup_token::ActiveModel {
        token_hash: Set(token.hash()),
        created_at: Set(now),
        expires_at: Set(now + SETUP_LINK_VALIDITY),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(Some(token))
}

/// Whether a setup link can still be used.
pub async fn setup_link_valid(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(token) = ManageToken::parse(token) else {
        return Ok(false);
    };
    let row = setup_token::Entity::find_by_id(token.hash())
        .one(db)
        .await?;
    Ok(row.is_some_and(|r| r.used_at.is_none() && r.expires_at > now) && !any_account(db).await?)
}

/// Creates the first admin through a setup link, using the link up, and
/// opens a session. Runs in one transaction so two uses cannot both succeed.
pub async fn complete_setup(
    db: &DatabaseConnection,
    token: &str,
    email: &str,
    name: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<Option<ManageToken>, AccountError> {
    let checked = check_new_account(email, name, password).await?;
    let txn = crate::db::begin_write(db).await?;
    if !setup_link_valid(&txn, token, now).await? {
        return Ok(None);
    }
    let Some(parsed) = ManageToken::parse(token) else {
        return Ok(None);
    };
    let used = setup_token::Entity::update_many()
        .col_expr(setup_token::Column::UsedAt, Expr::value(now))
        .filter(setup_token::Column::TokenHash.eq(parsed.hash()))
        .filter(setup_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Ok(None);
    }
    let account = insert_account(&txn, checked, Role::Admin, now).await?;
    let session = open_session(&txn, account.id, now).await?;
    txn.commit().await?;
    Ok(Some(session))
}
