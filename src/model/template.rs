//! Endpoint templates: concrete URL paths folded into patterns such as
//! `/api/v1/users/{id}`.

/// Turns a URL path into its endpoint template.
pub fn template_path(path: &str) -> String {
    path.to_string()
}
