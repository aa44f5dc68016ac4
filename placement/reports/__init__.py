"""Reports for coordinators and admins (issue 18), and the suppressed exports for funders."""
