//! Embedded posts and players from an allow-list of providers.
//!
//! A writer puts a provider's address alone on a line (as in WordPress); the
//! page shows a neutral placeholder that links to it, and only a reader's
//! click loads the provider's player. What each provider's addresses look
//! like, and which player address and frame permissions they get, is known
//! here; anything else stays a plain link.

use serde::Serialize;
use url::Url;

/// A provider on the allow-list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// youtube.com, youtu.be, shorts and live videos (played from
    /// youtube-nocookie.com).
    YouTube,
    /// dailymotion.com and dai.ly.
    Dailymotion,
    /// vimeo.com.
    Vimeo,
    /// Facebook posts and videos.
    Facebook,
    /// X (formerly Twitter) posts.
    X,
    /// Instagram posts and reels.
    Instagram,
    /// TikTok videos.
    TikTok,
    /// SoundCloud tracks and sets.
    SoundCloud,
    /// Spotify tracks, albums, playlists, episodes and shows.
    Spotify,
}

/// How the player is laid out once loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbedShape {
    /// A 16:9 video player.
    Video,
    /// A tall phone video (TikTok, reels).
    Portrait,
    /// A social post of varying height.
    Post,
    /// A short audio player.
    Audio,
}

impl Provider {
    /// Every provider, for documentation and the content policy.
    pub const ALL: [Provider; 9] = [
        Provider::YouTube,
        Provider::Dailymotion,
        Provider::Vimeo,
        Provider::Facebook,
        Provider::X,
        Provider::Instagram,
        Provider::TikTok,
        Provider::SoundCloud,
        Provider::Spotify,
    ];

    /// The name readers know it by.
    pub fn name(self) -> &'static str {
        match self {
            Provider::YouTube => "YouTube",
            Provider::Dailymotion => "Dailymotion",
            Provider::Vimeo => "Vimeo",
            Provider::Facebook => "Facebook",
            Provider::X => "X",
            Provider::Instagram => "Instagram",
            Provider::TikTok => "TikTok",
            Provider::SoundCloud => "SoundCloud",
            Provider::Spotify => "Spotify",
        }
    }

    /// A stable lowercase key (CSS classes, logs).
    pub fn key(self) -> &'static str {
        match self {
            Provider::YouTube => "youtube",
            Provider::Dailymotion => "dailymotion",
            Provider::Vimeo => "vimeo",
            Provider::Facebook => "facebook",
            Provider::X => "x",
            Provider::Instagram => "instagram",
            Provider::TikTok => "tiktok",
            Provider::SoundCloud => "soundcloud",
            Provider::Spotify => "spotify",
        }
    }

    /// The origin the player is loaded from: the only one a page's
    /// `frame-src` lets in for this provider.
    pub fn frame_origin(self) -> &'static str {
        match self {
            Provider::YouTube => "https://www.youtube-nocookie.com",
            Provider::Dailymotion => "https://www.dailymotion.com",
            Provider::Vimeo => "https://player.vimeo.com",
            Provider::Facebook => "https://www.facebook.com",
            Provider::X => "https://platform.twitter.com",
            Provider::Instagram => "https://www.instagram.com",
            Provider::TikTok => "https://www.tiktok.com",
            Provider::SoundCloud => "https://w.soundcloud.com",
            Provider::Spotify => "https://open.spotify.com",
        }
    }

    /// The frame's `sandbox`: players run their own scripts on their own
    /// origin; posts also open links (to the provider) in a new tab. No
    /// provider may navigate the reader's page or submit forms.
    pub fn sandbox(self) -> &'static str {
        match self.shape() {
            EmbedShape::Video | EmbedShape::Audio => {
                "allow-scripts allow-same-origin allow-presentation allow-popups"
            }
            EmbedShape::Post | EmbedShape::Portrait => {
                "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"
            }
        }
    }

    /// The frame's `allow` (permissions policy): playback the reader asked
    /// for by clicking, nothing else (no camera, no location…).
    pub fn allow(self) -> &'static str {
        match self.shape() {
            EmbedShape::Video | EmbedShape::Portrait => {
                "autoplay; encrypted-media; fullscreen; picture-in-picture"
            }
            EmbedShape::Audio => "autoplay; encrypted-media",
            EmbedShape::Post => "encrypted-media",
        }
    }

    /// How the player is laid out.
    pub fn shape(self) -> EmbedShape {
        match self {
            Provider::YouTube | Provider::Dailymotion | Provider::Vimeo => EmbedShape::Video,
            Provider::TikTok => EmbedShape::Portrait,
            Provider::Facebook | Provider::X | Provider::Instagram => EmbedShape::Post,
            Provider::SoundCloud | Provider::Spotify => EmbedShape::Audio,
        }
    }
}

/// An address recognised as embeddable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Embed {
    /// Who serves it.
    pub provider: Provider,
    /// The address as written (the no-JavaScript link).
    pub url: String,
    /// The player's address, loaded only after the reader's click.
    pub player: String,
}

impl Embed {
    /// The embed an address stands for, if its provider is on the list and
    /// the address has the shape of one of its posts or players.
    pub fn from_url(raw: &str) -> Option<Embed> {
        let raw = raw.trim();
        let url = Url::parse(raw).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let host = url.host_str()?.to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host);
        let host = host.strip_prefix("m.").unwrap_or(host);
        let segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        let query = |key: &str| {
            url.query_pairs()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
        };
        let (provider, player) = match (host, segments.as_slice()) {
            ("youtube.com", ["watch"]) => youtube(&query("v")?, query("t"))?,
            ("youtube.com", ["shorts" | "live" | "embed", id]) => youtube(id, query("t"))?,
            ("youtu.be", [id]) => youtube(id, query("t"))?,
            ("dailymotion.com", ["video", id]) | ("dai.ly", [id]) => {
                let id = id.split('_').next().filter(|i| is_token(i))?;
                (
                    Provider::Dailymotion,
                    format!("https://www.dailymotion.com/embed/video/{id}?autoplay=1"),
                )
            }
            ("vimeo.com", [id]) if id.bytes().all(|b| b.is_ascii_digit()) => (
                Provider::Vimeo,
                format!("https://player.vimeo.com/video/{id}?dnt=1&autoplay=1"),
            ),
            ("facebook.com", [_, "posts" | "videos", ..])
            | ("facebook.com", ["watch" | "reel", ..])
            | ("fb.watch", [_]) => {
                let plugin = if segments.contains(&"posts") {
                    "post"
                } else {
                    "video"
                };
                (
                    Provider::Facebook,
                    format!(
                        "https://www.facebook.com/plugins/{plugin}.php?href={}",
                        encode(url.as_str())
                    ),
                )
            }
            ("twitter.com" | "x.com", [_, "status", id, ..])
                if id.bytes().all(|b| b.is_ascii_digit()) =>
            {
                (
                    Provider::X,
                    format!("https://platform.twitter.com/embed/Tweet.html?id={id}&dnt=true"),
                )
            }
            ("instagram.com", ["p" | "reel" | "tv", code, ..]) if is_token(code) => (
                Provider::Instagram,
                format!("https://www.instagram.com/p/{code}/embed/"),
            ),
            ("tiktok.com", [user, "video", id, ..])
                if user.starts_with('@') && id.bytes().all(|b| b.is_ascii_digit()) =>
            {
                (
                    Provider::TikTok,
                    format!("https://www.tiktok.com/embed/v2/{id}"),
                )
            }
            ("soundcloud.com", [_, _, ..]) => (
                Provider::SoundCloud,
                format!(
                    "https://w.soundcloud.com/player/?url={}&auto_play=true",
                    encode(url.as_str())
                ),
            ),
            (
                "open.spotify.com",
                [
                    kind @ ("track" | "album" | "playlist" | "episode" | "show"),
                    id,
                ],
            ) if is_token(id) => (
                Provider::Spotify,
                format!("https://open.spotify.com/embed/{kind}/{id}"),
            ),
            _ => return None,
        };
        Some(Embed {
            provider,
            url: raw.to_owned(),
            player,
        })
    }
}

fn youtube(id: &str, start: Option<String>) -> Option<(Provider, String)> {
    if !is_token(id) || id.len() > 20 {
        return None;
    }
    let start = start
        .map(|t| t.trim_end_matches('s').to_owned())
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .map(|t| format!("&start={t}"))
        .unwrap_or_default();
    Some((
        Provider::YouTube,
        format!("https://www.youtube-nocookie.com/embed/{id}?autoplay=1{start}"),
    ))
}

/// Ids and codes: letters, digits, `-` and `_` only, so nothing written
/// into a player address can carry a query or a path of its own.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player(url: &str) -> Option<String> {
        Embed::from_url(url).map(|e| e.player)
    }

    #[test]
    fn every_provider_shape_is_recognised() {
        let cases = [
            (
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&start=42",
            ),
            (
                "https://youtu.be/dQw4w9WgXcQ",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1",
            ),
            (
                "https://m.youtube.com/shorts/abcDEF12345",
                "https://www.youtube-nocookie.com/embed/abcDEF12345?autoplay=1",
            ),
            (
                "https://www.dailymotion.com/video/x8abc12_titre-du-reportage",
                "https://www.dailymotion.com/embed/video/x8abc12?autoplay=1",
            ),
            (
                "https://dai.ly/x8abc12",
                "https://www.dailymotion.com/embed/video/x8abc12?autoplay=1",
            ),
            (
                "https://vimeo.com/76979871",
                "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1",
            ),
            (
                "https://x.com/redaction/status/1790000000000000000",
                "https://platform.twitter.com/embed/Tweet.html?id=1790000000000000000&dnt=true",
            ),
            (
                "https://twitter.com/redaction/status/123",
                "https://platform.twitter.com/embed/Tweet.html?id=123&dnt=true",
            ),
            (
                "https://www.instagram.com/reel/C1a2b3c4d5/",
                "https://www.instagram.com/p/C1a2b3c4d5/embed/",
            ),
            (
                "https://www.tiktok.com/@redaction/video/7300000000000000000",
                "https://www.tiktok.com/embed/v2/7300000000000000000",
            ),
            (
                "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
                "https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk",
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(player(url).as_deref(), Some(expected), "{url}");
        }
        let fb = player("https://www.facebook.com/radio.lagune/videos/123456789/").unwrap();
        assert!(
            fb.starts_with("https://www.facebook.com/plugins/video.php?href=https%3A%2F%2F"),
            "{fb}"
        );
        let fb = player("https://www.facebook.com/radio.lagune/posts/pfbid0abc").unwrap();
        assert!(fb.contains("/plugins/post.php?href="), "{fb}");
        let sc = player("https://soundcloud.com/radio-lagune/journal-du-soir").unwrap();
        assert!(
            sc.starts_with("https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud"),
            "{sc}"
        );
    }

    #[test]
    fn other_addresses_stay_links() {
        for url in [
            "https://example.org/video/1",
            "https://www.youtube.com/channel/UC123",
            "https://www.youtube.com/watch?v=<script>",
            "javascript:alert(1)",
            "https://vimeo.com/about",
            "https://x.com/redaction",
            "https://open.spotify.com/user/x",
            "ftp://youtube.com/watch?v=abc",
            "pas une adresse",
        ] {
            assert_eq!(player(url), None, "{url}");
        }
    }

    #[test]
    fn every_player_is_served_from_its_providers_frame_origin() {
        for url in [
            "https://youtu.be/abc",
            "https://vimeo.com/1",
            "https://dai.ly/x1",
            "https://www.facebook.com/p/videos/1",
            "https://x.com/a/status/1",
            "https://www.instagram.com/p/abc/",
            "https://www.tiktok.com/@a/video/1",
            "https://soundcloud.com/a/b",
            "https://open.spotify.com/track/abc",
        ] {
            let e = Embed::from_url(url).unwrap();
            assert!(
                e.player
                    .starts_with(&format!("{}/", e.provider.frame_origin())),
                "{url}"
            );
        }
        assert_eq!(Provider::ALL.len(), 9);
    }
}
