//! Entra built-in directory roles by template id, and which of them make a holder
//! privileged.
//!
//! Privilege is decided by the role's template id — the `Role.TemplateId` modified property
//! of role-management audits — not by a display name containing "Admin": names are
//! localised, renamed ("Company Administrator" is Global Administrator) and miss roles such
//! as Directory Writers. A role is privileged when Microsoft labels it PRIVILEGED in the
//! built-in roles reference (learn.microsoft.com/entra/identity/role-based-access-control/
//! permissions-reference, 2026), plus the roles the CISA ScubaGear baseline and Sentinel
//! treat as highly privileged (Exchange and SharePoint Administrator, the directory sync
//! accounts, device local administrator, Authentication Policy Administrator). A role whose
//! template id is not a built-in one is a *custom* role: its permissions are unknown
//! offline, so it is treated as privileged.

/// `(template id, name without spaces, privileged)` for every built-in role.
const BUILT_IN: &[(&str, &str, bool)] = &[
    ("db506228-d27e-4b7d-95e5-295956d6615f", "AgentIDAdministrator", true),
    ("adb2368d-a9be-41b5-8667-d96778e081b0", "AgentIDDeveloper", false),
    ("6b942400-691f-4bf0-9d12-d8a254a2baf5", "AgentRegistryAdministrator", false),
    ("d2562ede-74db-457e-a7b6-544e236ebb61", "AIAdministrator", true),
    ("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "ApplicationAdministrator", true),
    ("cf1c38e5-3621-4004-a7cb-879624dced7c", "ApplicationDeveloper", true),
    ("9c6df0f2-1e7c-4dc3-b195-66dfbd24aa8f", "AttackPayloadAuthor", false),
    ("c430b396-e693-46cc-96f3-db01bf8bb62a", "AttackSimulationAdministrator", false),
    ("58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d", "AttributeAssignmentAdministrator", false),
    ("ffd52fa5-98dc-465c-991d-fc073eb59f8f", "AttributeAssignmentReader", false),
    ("8424c6f0-a189-499e-bbd0-26c1753c96d4", "AttributeDefinitionAdministrator", false),
    ("1d336d2c-4ae8-42ef-9711-b3604ce3fc2c", "AttributeDefinitionReader", false),
    ("5b784334-f94b-471a-a387-e7219fc49ca2", "AttributeLogAdministrator", false),
    ("9c99539d-8186-4804-835f-fd51ef9e2dcd", "AttributeLogReader", false),
    ("ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe", "AttributeProvisioningAdministrator", true),
    ("422218e4-db15-4ef9-bbe0-8afb41546d79", "AttributeProvisioningReader", true),
    ("c4e39bd9-1100-46d3-8c65-fb160da0071f", "AuthenticationAdministrator", true),
    ("25a516ed-2fa0-40ea-a2d0-12923a21473a", "AuthenticationExtensibilityAdministrator", true),
    ("0b00bede-4072-4d22-b441-e7df02a1ef63", "AuthenticationExtensibilityPasswordAdministrator", true),
    ("0526716b-113d-4c15-b2c8-68e3c22b9f80", "AuthenticationPolicyAdministrator", true),
    ("9f06204d-73c1-4d4c-880a-6edb90606fd8", "AzureADJoinedDeviceLocalAdministrator", true),
    ("e3973bdf-4987-49ae-837a-ba8e231c7286", "AzureDevOpsAdministrator", false),
    ("7495fdc4-34c4-4d15-a289-98788ce399fd", "AzureInformationProtectionAdministrator", false),
    ("aaf43236-0c0d-4d5f-883a-6955382ac081", "B2CIEFKeysetAdministrator", true),
    ("3edaf663-341e-4475-9f94-5c398ef6c070", "B2CIEFPolicyAdministrator", false),
    ("b0f54661-2d74-4c50-afa3-1ec803f12efe", "BillingAdministrator", false),
    ("158c047a-c907-4556-b7ef-446551a6b5f7", "CloudApplicationAdministrator", true),
    ("892c5842-a9a6-463a-8041-72aa08ca3cf6", "CloudAppSecurityAdministrator", false),
    ("7698a772-787b-4ac8-901f-60d6b08affd2", "CloudDeviceAdministrator", true),
    ("17315797-102d-40b4-93e0-432062caca18", "ComplianceAdministrator", false),
    ("e6d1a23a-da11-4be4-9570-befc86d067a7", "ComplianceDataAdministrator", false),
    ("b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "ConditionalAccessAdministrator", true),
    ("5c4f9dcd-47dc-4cf7-8c9a-9e4207cbfc91", "CustomerLockboxAccessApprover", false),
    ("38a96431-2bdf-4b4c-8b6e-5d3d8abac1a4", "DesktopAnalyticsAdministrator", false),
    ("9c094953-4995-41c8-84c8-3ebb9b32c93f", "DeviceJoin", false),
    ("2b499bcd-da44-4968-8aec-78e1674fa64d", "DeviceManagers", false),
    ("d405c6df-0af8-4e3b-95e4-4d06e542189e", "DeviceUsers", false),
    ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "DirectoryReaders", false),
    ("d29b2b05-8046-44ba-8758-1e26182fcf32", "DirectorySynchronizationAccounts", true),
    ("9360feb5-f418-4baa-8175-e2a00bac4301", "DirectoryWriters", true),
    ("8329153b-31d0-4727-b945-745eb3bc5f31", "DomainNameAdministrator", true),
    ("e93e3737-fa85-474a-aee4-7d3fb86510f3", "DragonAdministrator", false),
    ("44367163-eba1-44c3-98af-f5787879f96a", "Dynamics365Administrator", false),
    ("963797fb-eb3b-4cde-8ce3-5878b3f32a3f", "Dynamics365BusinessCentralAdministrator", false),
    ("3f1acade-1e04-4fbc-9b69-f0302cd84aef", "EdgeAdministrator", false),
    ("b6a27b2b-f905-4b2e-81b5-0d90e0ef1fdb", "EntraBackupAdministrator", false),
    ("f42252d9-5400-4d7b-b9ef-cc582dbb8577", "EntraBackupReader", false),
    ("29232cdf-9323-42fd-ade2-1d097af3e4de", "ExchangeAdministrator", true),
    ("49eb8f75-97e9-4e37-9b2b-6c3ebfcffa31", "ExchangeBackupAdministrator", false),
    ("31392ffb-586c-42d1-9346-e59415a2cc4e", "ExchangeRecipientAdministrator", false),
    ("dd13091a-6207-4fc0-82ba-3641e056ab95", "ExtendedDirectoryUserAdministrator", false),
    ("be2f45a1-457d-42af-a067-6ec1fa63bc45", "ExternalIdentityProviderAdministrator", true),
    ("6e591065-9bad-43ed-90f3-e9424366d2f0", "ExternalIDUserFlowAdministrator", false),
    ("0f971eea-41eb-4569-a71e-57bb8a3eff1e", "ExternalIDUserFlowAttributeAdministrator", false),
    ("a9ea8996-122f-4c74-9520-8edcd192826c", "FabricAdministrator", false),
    ("62e90394-69f5-4237-9190-012177145e10", "GlobalAdministrator", true),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "GlobalReader", true),
    ("ac434307-12b9-4fa1-a708-88bf58caabc1", "GlobalSecureAccessAdministrator", false),
    ("843318fb-79a6-4168-9e6f-aa9a07481cc4", "GlobalSecureAccessLogReader", false),
    ("fdd7a751-b60b-444a-984c-02652fe8fa1c", "GroupsAdministrator", false),
    ("95e79109-95c0-4d8e-aee3-d01accf2d47b", "GuestInviter", false),
    ("10dae51f-b6af-4016-8d66-8c2a99b929b3", "GuestUser", false),
    ("729827e3-9c14-49f7-bb1b-9608f156bbb8", "HelpdeskAdministrator", true),
    ("8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", "HybridIdentityAdministrator", true),
    ("45d8d3c5-c802-45c6-b32a-1d70b5e1e86e", "IdentityGovernanceAdministrator", false),
    ("eb1f4a8d-243a-41f0-9fbd-c7cdf6c5ef7c", "InsightsAdministrator", false),
    ("25df335f-86eb-4119-b717-0ff02de207e9", "InsightsAnalyst", false),
    ("31e939ad-9672-4796-9c2e-873181342d2d", "InsightsBusinessLeader", false),
    ("3a2c62db-5318-420d-8d74-23affee5d9d5", "IntuneAdministrator", true),
    ("2ea5ce4c-b2d8-4668-bd81-3680bd2d227a", "IoTDeviceAdministrator", false),
    ("74ef975b-6605-40af-a5d2-b9539d836353", "KaizalaAdministrator", false),
    ("b5a8dcf3-09d5-43a9-a639-8e29ef291470", "KnowledgeAdministrator", false),
    ("744ec460-397e-42ad-a462-8b3f9747a02c", "KnowledgeManager", false),
    ("4d6ac14f-3453-41d0-bef9-a3e0c569773a", "LicenseAdministrator", false),
    ("59d46f88-662b-457b-bceb-5c3809e5908f", "LifecycleWorkflowsAdministrator", true),
    ("ac16e43d-7b2d-40e0-ac05-243ff356ab5b", "MessageCenterPrivacyReader", false),
    ("790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b", "MessageCenterReader", false),
    ("1707125e-0aa2-4d4d-8655-a7c786c76a25", "Microsoft365BackupAdministrator", false),
    ("8c8b803f-96e1-4129-9349-20738d9f9652", "Microsoft365MigrationAdministrator", false),
    ("ee67aa9c-e510-4759-b906-227085a7fd4d", "MicrosoftGraphDataConnectAdministrator", false),
    ("1501b917-7653-4ff9-a4b5-203eaf33784f", "MicrosoftHardwareWarrantyAdministrator", false),
    ("281fe777-fb20-4fbb-b7a3-ccebce5b0d96", "MicrosoftHardwareWarrantySpecialist", false),
    ("d37c8bed-0711-4417-ba38-b4abe66ce4c2", "NetworkAdministrator", false),
    ("2b745bdf-0803-4d80-aa65-822c4493daac", "OfficeAppsAdministrator", false),
    ("a92aed5d-d78a-4d16-b381-09adb37eb3b0", "OnPremisesDirectorySyncAccount", true),
    ("92ed04bf-c94a-4b82-9729-b799a7a4c178", "OrganizationalBrandingAdministrator", false),
    ("9d70768a-0cbc-4b4c-aea3-2e124b2477f4", "OrganizationalDataSourceAdministrator", false),
    ("e48398e2-f4bb-4074-8f31-4586725e205b", "OrganizationalMessagesApprover", false),
    ("507f53e4-4e52-4077-abd3-d2e1558b6ea2", "OrganizationalMessagesWriter", false),
    ("4ba39ca4-527c-499a-b93d-d9b492c50246", "PartnerTier1Support", true),
    ("e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8", "PartnerTier2Support", true),
    ("966707d0-3269-4727-9be2-8c3a10f19b9d", "PasswordAdministrator", true),
    ("024906de-61e5-49c8-8572-40335f1e0e10", "PeopleAdministrator", false),
    ("af78dc32-cf4d-46f9-ba4e-4428526346b5", "PermissionsManagementAdministrator", false),
    ("78b0ccd1-afc2-4f92-9116-b41aedd09592", "PlacesAdministrator", false),
    ("11648597-926c-4cf3-9c36-bcebb0ba8dcc", "PowerPlatformAdministrator", false),
    ("644ef478-e28f-4e28-b9dc-3fdde9aa0b1f", "PrinterAdministrator", false),
    ("e8cef6f1-e4bd-4ea8-bc07-4b8d950f4477", "PrinterTechnician", false),
    ("7be44c8a-adaf-4e2a-84d6-ab2649e08a13", "PrivilegedAuthenticationAdministrator", true),
    ("e8611ab8-c189-46e8-94e1-60213ab1f814", "PrivilegedRoleAdministrator", true),
    ("4a5d8f65-41da-4de4-8968-e035b65339cf", "ReportsReader", false),
    ("2af84b1e-32c8-42b7-82bc-daa82404023b", "RestrictedGuestUser", false),
    ("0964bb5e-9bdb-4d7b-ac29-58e794862a40", "SearchAdministrator", false),
    ("8835291a-918c-4fd7-a9ce-faa49f0cf7d9", "SearchEditor", false),
    ("194ae4cb-b126-40b2-bd5b-6091b380977d", "SecurityAdministrator", true),
    ("5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", "SecurityOperator", true),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "SecurityReader", true),
    ("f023fd81-a637-4b56-95fd-791ac0226033", "ServiceSupportAdministrator", false),
    ("f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePointAdministrator", true),
    ("99009c4a-3b3f-4957-82a9-9d35e12db77e", "SharePointAdvancedManagementAdministrator", false),
    ("9d3e04ba-3ee4-4d1b-a3a7-9aef423a09be", "SharePointBackupAdministrator", false),
    ("1a7d78b6-429f-476b-b8eb-35fb715fffd4", "SharePointEmbeddedAdministrator", false),
    ("75941009-915a-4869-abe7-691bff18279e", "SkypeForBusinessAdministrator", false),
    ("69091246-20e8-4a56-aa4d-066075b2a7a8", "TeamsAdministrator", false),
    ("baf37b3a-610e-45da-9e62-d9d1e5e8914b", "TeamsCommunicationsAdministrator", false),
    ("f70938a0-fc10-4177-9e90-2178f8765737", "TeamsCommunicationsSupportEngineer", false),
    ("fcf91098-03e3-41a9-b5ba-6f0ec8188a12", "TeamsCommunicationsSupportSpecialist", false),
    ("3d762c5a-1b6c-493f-843e-55a3b42923d4", "TeamsDevicesAdministrator", false),
    ("2fe872fb-daa8-4afc-8f6c-53c4565cfef4", "TeamsExternalCollaborationAdministrator", false),
    ("1076ac91-f3d9-41a7-a339-dcdf5f480acc", "TeamsReader", false),
    ("aa38014f-0993-46e9-9b45-30501a20909d", "TeamsTelephonyAdministrator", false),
    ("112ca1a2-15ad-4102-995e-45b0bc479a6a", "TenantCreator", false),
    ("1981f584-96e9-4a6f-95b0-f522373f8fae", "TenantGovernanceAdministrator", false),
    ("e0a4caa6-fe82-443f-b92f-d87341d17b2e", "TenantGovernanceReader", false),
    ("b8e31d83-1534-480f-9b10-0338ded51b7e", "TenantGovernanceRelationshipAdministrator", false),
    ("124577f8-48ed-456a-839f-13b419002e33", "TenantGovernanceRelationshipReader", false),
    ("75934031-6c7e-415a-99d7-48dbd49e875e", "UsageSummaryReportsReader", false),
    ("a0b1b346-4d3e-4e8b-98f8-753987be4970", "User", false),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "UserAdministrator", true),
    ("27460883-1df1-4691-b032-3b79643e5e63", "UserExperienceSuccessManager", false),
    ("e300d9e7-4a2b-4295-9eff-f1c78b36cc98", "VirtualVisitsAdministrator", false),
    ("0ec3f692-38d6-4d14-9e69-0377ca7797ad", "VivaGlintTenantAdministrator", false),
    ("92b086b3-e367-4ef2-b869-1de128fb986e", "VivaGoalsAdministrator", false),
    ("87761b17-1ed2-4af3-9acd-92a150038160", "VivaPulseAdministrator", false),
    ("11451d60-acb2-45eb-a7d6-43d0f0125c13", "Windows365Administrator", false),
    ("32696413-001a-46ae-978c-ce0f6b3620d2", "WindowsUpdateDeploymentAdministrator", false),
    ("c34f683f-4d5a-4403-affd-6615e00e3a7f", "WorkplaceDeviceJoin", false),
    ("810a2642-a034-447f-a5e8-41beaa378541", "YammerAdministrator", false),
    // Newer than the list above, seen in real audit records (assigned by Microsoft's
    // Purview role migration).
    ("02d5655b-c1cf-4e5f-98da-5fb919085bf6", "PurviewWorkloadContentWriter", false),
];

/// Old and alternative display names seen in audit logs, mapped to the built-in name.
const ALIASES: &[(&str, &str)] = &[
    ("companyadministrator", "GlobalAdministrator"),
    ("tenantadmins", "GlobalAdministrator"),
    ("privilegedroleadmins", "PrivilegedRoleAdministrator"),
    ("useraccountadmins", "UserAdministrator"),
    ("privilegedauthenticationadmins", "PrivilegedAuthenticationAdministrator"),
    ("microsoftentrajoineddevicelocaladministrator", "AzureADJoinedDeviceLocalAdministrator"),
    ("azureaddevicelocaladministrator", "AzureADJoinedDeviceLocalAdministrator"),
    ("devicelocaladministrator", "AzureADJoinedDeviceLocalAdministrator"),
];

fn squash(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// What is known about a role from an audit record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleClass {
    /// A built-in role that makes its holder privileged.
    Privileged,
    /// A built-in role that does not.
    Ordinary,
    /// Not a built-in role: a custom role (treated as privileged).
    Custom,
}

impl RoleClass {
    pub fn is_privileged(self) -> bool {
        matches!(self, RoleClass::Privileged | RoleClass::Custom)
    }
}

/// Classify a role by template id when the record has one, otherwise by name.
pub fn classify(template_id: Option<&str>, name: Option<&str>) -> Option<RoleClass> {
    let class = |p: bool| if p { RoleClass::Privileged } else { RoleClass::Ordinary };
    if let Some(id) = template_id.map(str::trim).filter(|s| !s.is_empty()) {
        let id = id.trim_matches('"').to_ascii_lowercase();
        return Some(BUILT_IN.iter().find(|(t, _, _)| *t == id).map_or(RoleClass::Custom, |r| class(r.2)));
    }
    let name = squash(name?);
    if name.is_empty() {
        return None;
    }
    let name = ALIASES.iter().find(|(a, _)| *a == name).map_or(name, |(_, n)| n.to_ascii_lowercase());
    Some(
        BUILT_IN
            .iter()
            .find(|(_, n, _)| n.eq_ignore_ascii_case(&name))
            .map_or(RoleClass::Custom, |r| class(r.2)),
    )
}

/// Classify a role *target* of an audit record: its id is a role definition id, which is
/// the template id for built-in roles (PIM) but a tenant-specific object id for directory
/// roles; so an id that is not built in defers to the name.
pub fn classify_target(id: Option<&str>, name: Option<&str>) -> Option<RoleClass> {
    let builtin = id
        .map(|i| i.trim().trim_matches('"').to_ascii_lowercase())
        .filter(|i| BUILT_IN.iter().any(|r| r.0 == i));
    match (builtin, name.filter(|n| !n.trim().is_empty())) {
        (Some(i), _) => classify(Some(&i), None),
        (None, Some(n)) => classify(None, Some(n)),
        (None, None) => id.filter(|i| !i.trim().is_empty()).map(|_| RoleClass::Custom),
    }
}

/// Whether a role (by template id or name) makes its holder privileged.
pub fn is_privileged(template_id: Option<&str>, name: Option<&str>) -> bool {
    classify(template_id, name).is_some_and(RoleClass::is_privileged)
}

/// Template ids of the privileged built-in roles (for rules that match on ids).
pub fn privileged_template_ids() -> Vec<String> {
    BUILT_IN.iter().filter(|r| r.2).map(|r| r.0.to_string()).collect()
}

/// Template ids of every built-in role.
pub fn built_in_template_ids() -> Vec<String> {
    BUILT_IN.iter().map(|r| r.0.to_string()).collect()
}

/// Lower-cased, space-free names of every built-in role and alias.
pub fn built_in_names() -> Vec<String> {
    let mut v: Vec<String> = BUILT_IN.iter().map(|r| r.1.to_ascii_lowercase()).collect();
    v.extend(ALIASES.iter().map(|(a, _)| a.to_string()));
    v.sort();
    v
}

/// Lower-cased, space-free names of the privileged built-in roles and their aliases.
pub fn privileged_names() -> Vec<String> {
    let mut v: Vec<String> = BUILT_IN.iter().filter(|r| r.2).map(|r| r.1.to_ascii_lowercase()).collect();
    v.extend(
        ALIASES.iter().filter(|(_, n)| BUILT_IN.iter().any(|r| r.1 == *n && r.2)).map(|(a, _)| a.to_string()),
    );
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_template_id_then_name() {
        // Directory Writers has no "Admin" in its name but is privileged.
        assert!(is_privileged(Some("9360feb5-f418-4baa-8175-e2a00bac4301"), Some("Directory Writers")));
        assert!(is_privileged(None, Some("Directory Synchronization Accounts")));
        assert!(is_privileged(None, Some("Company Administrator")));
        // Teams Administrator has "Admin" in its name but is not privileged.
        assert!(!is_privileged(None, Some("Teams Administrator")));
        assert!(!is_privileged(Some("88d8e3e3-8f55-4a1e-953a-9b9898b8876b"), None));
        // A template id that is not built in is a custom role.
        assert_eq!(
            classify(Some("0f0f0f0f-1111-2222-3333-444444444444"), Some("Helpdesk Tier 1")),
            Some(RoleClass::Custom)
        );
        assert!(is_privileged(Some("\"62E90394-69F5-4237-9190-012177145E10\""), None));
        assert_eq!(classify(None, None), None);
        assert!(BUILT_IN.len() > 130);
    }
}
