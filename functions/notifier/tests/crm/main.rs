//! The CRM connectors against local servers that implement the documented request and
//! answer shapes of exactly the HubSpot and Salesforce endpoints used.

mod accounts_hubspot;
mod accounts_salesforce;
mod closes_hubspot;
mod closes_salesforce;
mod common;
mod hubspot;
mod salesforce;
