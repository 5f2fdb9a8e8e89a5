// A synthetic Orphadata product1 file written for these tests: the product1 structure with invented codes
// 990001–990004 for the obsolete / deprecated / non-rare paths that the real packets cannot show.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SYNTHETIC_PRODUCT1 = String.raw`<?xml version="1.0" encoding="UTF-8"?>
<!-- SYNTHETIC test fixture, written for mmrare's tests: the element structure of Orphadata product1
     (Dec-2025 format, as in en_product1_sample.xml) with invented codes 990001-990004 that exercise
     the inactive-entry paths (OBSOLETE / DEPRECATED / NON RARE IN EUROPE names, DisorderFlag labels,
     "Moved to" / "Referred to" associations). Not Orphanet data. Targets 558 and 284963 are real codes. -->
<JDBOR date="2025-12-09 07:06:32" version="1.3.42 / 4.1.8 [2025-03-03]" copyright="Orphanet (c) 2025" dbserver="test">
  <DisorderList count="4">
    <Disorder id="900001">
      <OrphaCode>990001</OrphaCode>
      <Name lang="en">OBSOLETE: Marfan-like connective tissue disorder</Name>
      <DisorderFlagList count="1"><DisorderFlag id="1"><Value>8208</Value><Label>Obsolete entity</Label></DisorderFlag></DisorderFlagList>
      <SynonymList count="1"><Synonym lang="en">Marfanoid connective tissue syndrome</Synonym></SynonymList>
      <DisorderType id="21394"><Name lang="en">Disease</Name></DisorderType>
      <DisorderGroup id="36547"><Name lang="en">Disorder</Name></DisorderGroup>
      <DisorderDisorderAssociationList count="1">
        <DisorderDisorderAssociation>
          <TargetDisorder id="2"><OrphaCode>558</OrphaCode><Name lang="en">Marfan syndrome</Name></TargetDisorder>
          <DisorderDisorderAssociationType id="21498"><Name lang="en">Moved to</Name></DisorderDisorderAssociationType>
        </DisorderDisorderAssociation>
      </DisorderDisorderAssociationList>
    </Disorder>
    <Disorder id="900002">
      <OrphaCode>990002</OrphaCode>
      <Name lang="en">DEPRECATED: Fibrillinopathy type one</Name>
      <DisorderFlagList count="1"><DisorderFlag id="2"><Value>8449</Value><Label>Deprecated entity</Label></DisorderFlag></DisorderFlagList>
      <DisorderType id="21394"><Name lang="en">Disease</Name></DisorderType>
      <DisorderGroup id="36547"><Name lang="en">Disorder</Name></DisorderGroup>
      <DisorderDisorderAssociationList count="1">
        <DisorderDisorderAssociation>
          <TargetDisorder id="3"><OrphaCode>284963</OrphaCode><Name lang="en">Marfan syndrome type 1</Name></TargetDisorder>
          <DisorderDisorderAssociationType id="21505"><Name lang="en">Referred to</Name></DisorderDisorderAssociationType>
        </DisorderDisorderAssociation>
      </DisorderDisorderAssociationList>
    </Disorder>
    <Disorder id="900003">
      <OrphaCode>990003</OrphaCode>
      <Name lang="en">OBSOLETE: Retired skeletal entity</Name>
      <DisorderFlagList count="1"><DisorderFlag id="3"><Value>8208</Value><Label>Obsolete entity</Label></DisorderFlag></DisorderFlagList>
      <DisorderType id="21394"><Name lang="en">Disease</Name></DisorderType>
      <DisorderGroup id="36547"><Name lang="en">Disorder</Name></DisorderGroup>
      <DisorderDisorderAssociationList count="0"/>
    </Disorder>
    <Disorder id="900004">
      <OrphaCode>990004</OrphaCode>
      <Name lang="en">NON RARE IN EUROPE: Common connective tissue laxity</Name>
      <DisorderFlagList count="1"><DisorderFlag id="4"><Value>8225</Value><Label>Non-rare disease in Europe</Label></DisorderFlag></DisorderFlagList>
      <DisorderType id="21394"><Name lang="en">Disease</Name></DisorderType>
      <DisorderGroup id="36547"><Name lang="en">Disorder</Name></DisorderGroup>
    </Disorder>
  </DisorderList>
</JDBOR>
`;

/** Writes the synthetic file into `dir` and returns its path (importOrphanet reads files). */
export function writeSyntheticProduct1(dir: string): string {
  const p = join(dir, 'en_product1_inactive_synthetic.xml');
  writeFileSync(p, SYNTHETIC_PRODUCT1);
  return p;
}
