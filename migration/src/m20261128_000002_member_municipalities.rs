//! The 19 member municipalities of Nätverket för starka industrikommuner,
//! with their official municipality codes (kommunkod).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (kommunkod, name). Codes keep their leading zero: they are identifiers.
const MEMBERS: [(&str, &str); 19] = [
    ("1784", "Arvika"),
    ("2081", "Borlänge"),
    ("0562", "Finspång"),
    ("0662", "Gislaved"),
    ("2584", "Kiruna"),
    ("1781", "Kristinehamn"),
    ("2580", "Luleå"),
    ("1493", "Mariestad"),
    ("1060", "Olofström"),
    ("0481", "Oxelösund"),
    ("0882", "Oskarshamn"),
    ("1275", "Perstorp"),
    ("2181", "Sandviken"),
    ("1496", "Skövde"),
    ("0181", "Södertälje"),
    ("2262", "Timrå"),
    ("1488", "Trollhättan"),
    ("2284", "Örnsköldsvik"),
    ("0382", "Östhammar"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut insert = Query::insert()
            .into_table("municipalities")
            .columns(["code", "name", "is_member"])
            .to_owned();
        for (code, name) in MEMBERS {
            insert.values_panic([code.into(), name.into(), true.into()]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let codes = MEMBERS.map(|(code, _)| code);
        manager
            .exec_stmt(
                Query::delete()
                    .from_table("municipalities")
                    .and_where(Expr::col("code").is_in(codes))
                    .to_owned(),
            )
            .await
    }
}
