"""Accounts: the roles (muokkaaja, julkaisija, pääkäyttäjä) as groups with permissions, the
regions an account is limited to, the first administrator and `make staff-user`."""
