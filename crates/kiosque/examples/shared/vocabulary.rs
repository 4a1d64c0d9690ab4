//! Words the benchmark generators build their French articles from (all
//! text is generated; none is copied from anywhere).

pub const SECTIONS: &[&str] = &[
    "International",
    "Politique",
    "Économie",
    "Société",
    "Sports",
    "Culture",
    "Santé",
    "Environnement",
];
pub const PEOPLE: &[&str] = &[
    "Gaëlle Villeneuve",
    "Kofi Mensah",
    "Aïcha Koné",
    "Sergueï Ivanov",
    "Awa Diop",
    "Éloïse Bamba",
    "Moussa Traoré",
    "Chloé N'Guessan",
    "Ibrahim Ouédraogo",
    "Fatou Ndiaye",
];
pub const PLACES: &[&str] = &[
    "Abidjan",
    "Dakar",
    "Bamako",
    "Pyongyang",
    "Moscou",
    "Yaoundé",
    "Lomé",
    "Niamey",
    "Cotonou",
    "Ouagadougou",
];
pub const SUBJECTS: &[&str] = &[
    "la récolte de cacao",
    "les élections locales",
    "la coopération militaire",
    "le prix du carburant",
    "la saison des pluies",
    "la réforme scolaire",
    "le championnat national",
    "la campagne de vaccination",
];

pub fn pick<'a>(list: &[&'a str], n: usize) -> &'a str {
    list[n % list.len()]
}
