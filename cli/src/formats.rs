//! The CSV files `loyalty import` reads, each mapped to the rows of
//! `POST /v1/imports` (`loyalty_core::wire::ImportRow`).
//!
//! Headers are matched without case, spaces or punctuation ("Points
//! balance", "points_balance" and "POINTS-BALANCE" are one column), since
//! the products' exports and a spreadsheet's re-save differ in exactly
//! that.
//!
//! - **generic**: shared/API.md, "Bulk import": `customer_id, email, name,
//!   birthday, tags, enrolled_at, points, lifetime_earned`, tags separated
//!   by `|`.
//! - **smile**: Smile.io's customer record, as its customer export and API
//!   name the fields (https://dev.smile.io/ui/objects/customer: `id`,
//!   `first_name`, `last_name`, `email`, `state` candidate | member |
//!   disabled, `date_of_birth` where the year 1004 means "day and month
//!   only", `points_balance`, `vip_tier`, `created_at`), and its points
//!   CSV (`email`, `points`: https://help.smile.io/en/articles/4036233).
//!   Smile's `id` is Smile's own, not the store's: the customer id is
//!   `external_id` when the file has it, else the e-mail (which the
//!   storefront must then send as the token's `sub`).
//! - **loyaltylion**: LoyaltyLion's customer export and API fields
//!   (https://developers.loyaltylion.com/api/resources/customers:
//!   `merchant_id` (the store's id), `email`, `points_approved`,
//!   `points_pending`, `points_spent`, `blocked`, `enrolled_at`,
//!   `birthday`, `loyalty_tier`; points kinds as
//!   https://help.loyaltylion.com/en/articles/6062006 defines them: total
//!   = approved + pending, lifetime = approved + pending + spent +
//!   expired). A member brings approved and pending points (pending points
//!   would never be approved once the store has left LoyaltyLion).

use loyalty_core::wire::ImportRow;

/// A file's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Ours.
    Generic,
    /// A Smile.io customer export.
    Smile,
    /// A LoyaltyLion customer export.
    Loyaltylion,
}

/// A header as matched: lower case, words joined by `_`.
pub fn normalise(header: &str) -> String {
    let mut out = String::new();
    for c in header.trim().trim_start_matches('\u{feff}').chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// Reads a file's rows: which column is which, once per file.
pub struct Mapping {
    format: Format,
    headers: Vec<String>,
    id: String,
}

impl Mapping {
    /// The mapping of a file whose header row is `headers`; refuses a file
    /// that lacks the columns its format needs.
    pub fn new(format: Format, headers: &csv::StringRecord, id_column: Option<&str>) -> Result<Mapping, String> {
        let headers: Vec<String> = headers.iter().map(normalise).collect();
        let has = |c: &str| headers.iter().any(|h| h == c);
        let id = match (id_column, format) {
            (Some(c), _) => normalise(c),
            (None, Format::Generic) => "customer_id".into(),
            (None, Format::Smile) => {
                ["external_id", "customer_id"].into_iter().find(|c| has(c)).unwrap_or("email").into()
            }
            (None, Format::Loyaltylion) => "merchant_id".into(),
        };
        let points: &[&str] = match format {
            Format::Generic => &["points"],
            Format::Smile => &["points_balance", "points"],
            Format::Loyaltylion => &["points_approved"],
        };
        let mut missing: Vec<&str> = Vec::new();
        if !has(&id) {
            missing.push(&id);
        }
        if !points.iter().any(|p| has(p)) {
            missing.push(points[0]);
        }
        if !missing.is_empty() {
            return Err(format!("the file has no column {} (its columns: {})", missing.join(", "), headers.join(", ")));
        }
        Ok(Mapping { format, headers, id })
    }

    fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> Option<&'r str> {
        let i = self.headers.iter().position(|h| h == column)?;
        record.get(i).map(str::trim).filter(|v| !v.is_empty())
    }

    fn first<'r>(&self, record: &'r csv::StringRecord, columns: &[&str]) -> Option<&'r str> {
        columns.iter().find_map(|c| self.get(record, c))
    }

    fn int(&self, record: &csv::StringRecord, column: &str) -> Result<Option<i64>, String> {
        self.get(record, column)
            .map(|v| v.parse::<i64>().map_err(|_| format!("{column} must be a whole number, not {v:?}")))
            .transpose()
    }

    fn name(&self, record: &csv::StringRecord) -> Option<String> {
        if let Some(n) = self.get(record, "name") {
            return Some(n.to_owned());
        }
        let parts: Vec<&str> = ["first_name", "last_name"].iter().filter_map(|c| self.get(record, c)).collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// One data row as the API's row.
    pub fn row(&self, record: &csv::StringRecord) -> Result<ImportRow, String> {
        let customer_id = self.get(record, &self.id).ok_or_else(|| format!("{} is empty", self.id))?.to_owned();
        let email = self.get(record, "email").map(str::to_owned);
        let text = |c: &[&str]| self.first(record, c).map(str::to_owned);
        match self.format {
            Format::Generic => Ok(ImportRow {
                customer_id,
                email,
                name: text(&["name"]),
                birthday: text(&["birthday"]),
                tags: self
                    .get(record, "tags")
                    .map(|t| t.split('|').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()),
                enrolled_at: text(&["enrolled_at"]),
                points: self.int(record, "points")?.unwrap_or(0),
                lifetime_earned: self.int(record, "lifetime_earned")?,
            }),
            Format::Smile => {
                if self.get(record, "state") == Some("disabled") {
                    return Err("excluded from the program in Smile.io (state disabled)".into());
                }
                let points = match self.int(record, "points_balance")? {
                    Some(p) => p,
                    None => self.int(record, "points")?.unwrap_or(0),
                };
                Ok(ImportRow {
                    customer_id,
                    email,
                    name: self.name(record),
                    birthday: text(&["date_of_birth", "birthday"]),
                    tags: self.first(record, &["vip_tier", "vip_tier_name"]).map(|t| vec![format!("vip:{t}")]),
                    enrolled_at: text(&["created_at", "member_since"]),
                    points,
                    lifetime_earned: None,
                })
            }
            Format::Loyaltylion => {
                if matches!(self.get(record, "blocked"), Some("true" | "TRUE" | "yes" | "1")) {
                    return Err("blocked in LoyaltyLion".into());
                }
                let approved = self.int(record, "points_approved")?.unwrap_or(0);
                let pending = self.int(record, "points_pending")?.unwrap_or(0);
                let spent = self.int(record, "points_spent")?.unwrap_or(0);
                let points = approved.checked_add(pending).ok_or("points out of range")?;
                let lifetime = match self.int(record, "points_lifetime")? {
                    Some(l) => l,
                    None => points.checked_add(spent).ok_or("points out of range")?,
                };
                Ok(ImportRow {
                    customer_id,
                    email,
                    name: self.name(record),
                    birthday: text(&["birthday"]),
                    tags: self.first(record, &["loyalty_tier", "tier", "tier_name"]).map(|t| vec![format!("tier:{t}")]),
                    enrolled_at: text(&["enrolled_at", "created_at"]),
                    points,
                    lifetime_earned: Some(lifetime.max(points)),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(format: Format, csv_text: &str) -> Vec<Result<ImportRow, String>> {
        let mut r = csv::Reader::from_reader(csv_text.as_bytes());
        let m = Mapping::new(format, r.headers().unwrap(), None).unwrap();
        r.records().map(|rec| m.row(&rec.unwrap())).collect()
    }

    #[test]
    fn headers_match_without_case_or_punctuation() {
        assert_eq!(normalise("\u{feff}Points Balance "), "points_balance");
        assert_eq!(normalise("Date-of-birth"), "date_of_birth");
        assert_eq!(normalise("merchant_id"), "merchant_id");
    }

    #[test]
    fn the_generic_format_is_the_contracts() {
        let r = rows(
            Format::Generic,
            "customer_id,email,name,birthday,tags,enrolled_at,points,lifetime_earned\n\
             c1,a@b.c,Ada,1990-01-02,vip| gold ,2021-03-04,120,300\n\
             c2,,,,,,0,\n\
             c3,,,,,,lots,\n",
        );
        let c1 = r[0].as_ref().unwrap();
        assert_eq!(c1.tags.as_deref(), Some(&["vip".to_owned(), "gold".to_owned()][..]));
        assert_eq!((c1.points, c1.lifetime_earned), (120, Some(300)));
        assert_eq!(r[1].as_ref().unwrap().email, None);
        assert!(r[2].as_ref().unwrap_err().contains("whole number"));
    }

    /// A file shaped like Smile.io's customer export.
    #[test]
    fn a_smile_export_maps_to_rows() {
        let r = rows(
            Format::Smile,
            "Id,First Name,Last Name,Email,State,Date of Birth,Points Balance,VIP Tier,Referral URL,Created At\n\
             304169228,Jane,Doe,jane@doe.com,member,1004-05-27,100,Gold,http://i.refs.cc/9qr5Pw,2024-04-04T15:10:42.030Z\n\
             304169229,Bob,,bob@doe.com,disabled,,50,,,2024-04-05T10:00:00Z\n",
        );
        let jane = r[0].as_ref().unwrap();
        assert_eq!(jane.customer_id, "jane@doe.com");
        assert_eq!(jane.name.as_deref(), Some("Jane Doe"));
        assert_eq!(jane.points, 100);
        assert_eq!(jane.birthday.as_deref(), Some("1004-05-27"));
        assert_eq!(jane.enrolled_at.as_deref(), Some("2024-04-04T15:10:42.030Z"));
        assert_eq!(jane.tags.as_deref(), Some(&["vip:Gold".to_owned()][..]));
        assert!(r[1].as_ref().unwrap_err().contains("disabled"));
    }

    /// A file shaped like LoyaltyLion's customer export.
    #[test]
    fn a_loyaltylion_export_maps_to_rows() {
        let r = rows(
            Format::Loyaltylion,
            "id,merchant_id,email,points_approved,points_pending,points_spent,rewards_claimed,blocked,guest,enrolled,enrolled_at,birthday,loyalty_tier,created_at\n\
             123,shop-991,ann@ex.com,250,40,300,2,false,false,true,2023-01-10T09:00:00Z,1985-07-01,Silver,2022-12-01T00:00:00Z\n\
             124,shop-992,bad@ex.com,10,0,0,0,true,false,true,,,,2022-12-01T00:00:00Z\n",
        );
        let ann = r[0].as_ref().unwrap();
        assert_eq!(ann.customer_id, "shop-991");
        assert_eq!((ann.points, ann.lifetime_earned), (290, Some(590)));
        assert_eq!(ann.enrolled_at.as_deref(), Some("2023-01-10T09:00:00Z"));
        assert_eq!(ann.tags.as_deref(), Some(&["tier:Silver".to_owned()][..]));
        assert!(r[1].as_ref().unwrap_err().contains("blocked"));
    }

    #[test]
    fn a_file_without_the_columns_it_needs_is_refused_whole() {
        let mut r = csv::Reader::from_reader("email,balance\na@b.c,5\n".as_bytes());
        let e = Mapping::new(Format::Loyaltylion, r.headers().unwrap(), None).err().unwrap();
        assert!(e.contains("merchant_id") && e.contains("points_approved"), "{e}");
    }
}
