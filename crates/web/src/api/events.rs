//! What a webhook message says: the event, and its object as the API
//! shows it (an article as the newsroom endpoints do, a comment, a photo,
//! a page, the site's public settings). Built here, beside the wire types,
//! so a message and an API answer never differ.

use kiosque_core::Result;
use kiosque_core::model::{DueDelivery, EventObject};
use kiosque_core::ports::Store;
use kiosque_core::service::webhooks;
use serde_json::Value;

use super::newsroom::desk;
use super::wire::{CommentOut, PageOut, PhotoOut, SiteOut, time};

/// The message of a claimed delivery's event, as JSON text. The object is
/// read as it is now; one that is gone is described by the values the
/// event kept of it.
pub async fn webhook_message(store: &dyn Store, due: &DueDelivery) -> Result<String> {
    let site = store
        .site()
        .await?
        .ok_or(kiosque_core::Error::NotFound("site"))?;
    let d = &due.delivery;
    let id = d.object_id;
    let value = |v: Result<Value, serde_json::Error>| v.map_err(kiosque_core::Error::backend);
    let object = match d.event.object() {
        EventObject::Article => match store.article(id).await? {
            Some(a) => Some(value(serde_json::to_value(desk(&site, &a)))?),
            None => None,
        },
        EventObject::Comment => match store.comment(id).await? {
            Some(c) => {
                let mut v = value(serde_json::to_value(CommentOut::new(&site, &c)))?;
                v["status"] = Value::String(c.status.as_str().to_owned());
                Some(v)
            }
            None => None,
        },
        EventObject::Media => match store.media_asset(id).await? {
            Some(m) => Some(value(serde_json::to_value(PhotoOut::new(
                &site, &m, None, None,
            )))?),
            None => None,
        },
        EventObject::Page => match store.page(id).await? {
            Some(p) => Some(value(serde_json::to_value(PageOut::new(&site, &p)))?),
            None => None,
        },
        EventObject::Site => Some(value(serde_json::to_value(SiteOut::new(
            &site,
            chrono::Utc::now(),
        )))?),
    };
    let message = webhooks::message(
        d.event,
        time(&site, d.created_at),
        object,
        due.previous.as_deref(),
        &|t| time(&site, t),
    );
    Ok(message.to_string())
}
